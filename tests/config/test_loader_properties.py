"""Properties of the loader over generated files."""
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.loader import ConfigError, parse_workspace, starter_text
from bot.config.workspace import Workspace

NOWHERE = Path(__file__).parent / "no-such-folder"  # file references never resolve
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- (a) no input crashes the loader with anything but ConfigError ----------------

TOKENS = [
    "teams:", "routes:", "sources:", "workflows:", "default:", "match:", "any:", "all:", "not:", "keyword: ",
    "name: ", "channel: ", "team: ", "type: replay", "type: webhook", "stages: ", "- ", "  ", "    ", "\n", "\n",
    "{", "}", "[", "]", ", ", ": ", "&a ", "*a", "<<: ", "!!python/object:os.system ", "!!binary ", "'", '"',
    "# c", "\t", "---\n", "...\n", "%YAML 1.1\n", "? ", "|\n", ">-\n", "~", "null", "yes", "1e3", "-0.5",
    "2024-01-01", "x", "support", "\\", "\x00", "\ufeff", "é",
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@st.composite
def mutated_starter(draw):
    text = starter_text()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 40))
        text = text[:at] + draw(st.sampled_from(TOKENS + [""])) + text[at + cut:]
    return text


@FAST
@given(st.one_of(st.text(max_size=300), yamlish, mutated_starter()))
def test_any_text_gives_a_workspace_or_a_config_error(text):
    try:
        ws = parse_workspace(text, file="w.yaml", base_dir=NOWHERE)
    except ConfigError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == "w.yaml" and issue.message
            assert issue.line is None or 1 <= issue.line <= text.count("\n") + 2
    else:
        assert isinstance(ws, Workspace)


# --- (b) generated workspaces survive a YAML round trip --------------------------

name = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)
word = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=15)
term = word.filter(lambda s: s.lstrip("#@").strip())
terms = st.lists(term, min_size=1, max_size=3)
unit_float = st.floats(-1, 1, allow_nan=False)

atoms = st.one_of(
    st.builds(lambda v: {"keyword": v}, terms),
    st.builds(lambda v: {"phrase": v}, terms),
    st.builds(lambda v: {"hashtag": v}, terms),
    st.builds(lambda v: {"handle": v}, terms),
    st.builds(lambda v: {"regex": re.escape(v)}, word),
    st.builds(lambda v: {"language": v}, st.lists(st.sampled_from(["en", "de", "fr", "ja"]), min_size=1)),
    st.builds(lambda a, b: {"sentiment": {"min": min(a, b), "max": max(a, b)}}, unit_float, unit_float),
    st.builds(lambda v: {"min_followers": v}, st.integers(0, 10**9)),
    st.builds(lambda v: {"network": v}, st.lists(name, min_size=1, max_size=2)),
    st.builds(lambda v: {"flag": v}, st.lists(st.sampled_from(["legal_threat", "safety", "question"]), min_size=1)),
)
match_trees = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda v: {"any": v}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda v: {"all": v}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda v: {"not": v}, inner),
    ),
    max_leaves=6,
)
team = st.fixed_dictionaries(
    {"name": name, "channel": word},
    optional={"platform": st.sampled_from(["console", "slack", "discord"]), "partner": st.booleans()},
).map(lambda t: {**t, "channel": "1100000000000000001"} if t.get("platform") == "discord" else t)  # Discord ids are numbers
duration = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 999), st.sampled_from("smhd"))


@st.composite
def workspaces(draw, extras: bool = True) -> Workspace:
    teams = draw(st.lists(team, min_size=1, max_size=4, unique_by=lambda t: t["name"]))
    routes = draw(st.lists(
        st.fixed_dictionaries(
            {"name": name, "team": st.sampled_from([t["name"] for t in teams]), "match": match_trees},
            optional={"priority": st.sampled_from(["urgent", "high", "normal", "low"]),
                      "labels": st.lists(word, max_size=2)},
        ),
        max_size=4, unique_by=lambda r: r["name"],
    ))
    data = {"teams": teams, "routes": routes}
    if extras:
        data["sla"] = {"first_response": draw(st.dictionaries(st.sampled_from(["urgent", "high", "normal", "low"]), duration))}
        data["roles"] = {"members": draw(st.dictionaries(word, st.lists(st.sampled_from(["agent", "approver", "admin"]), max_size=2), max_size=3))}
        data["organisation"] = {"name": draw(word), "handles": draw(st.dictionaries(name, word, max_size=2))}
    return Workspace.model_validate(data)


def dump(ws: Workspace, **options) -> str:
    data = ws.model_dump(mode="json", by_alias=True, **options)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6, default_flow_style=False)


@FAST
@given(workspaces())
def test_generated_workspaces_round_trip(ws):
    assert parse_workspace(dump(ws), base_dir=NOWHERE) == ws


# --- (c) a corrupted key is reported on its own line -------------------------------

KEY_LINE = re.compile(r"^(\s*(?:- )*)([A-Za-z_][\w-]*):(?: |$)")


@FAST
@given(workspaces(extras=False), st.data())
def test_renamed_key_is_reported_on_its_line(ws, data):
    lines = dump(ws, exclude_defaults=True).splitlines()
    keyed = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    i = data.draw(st.sampled_from(keyed))
    lines[i] = KEY_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}x:" + (" " if m.group(0).endswith(" ") else ""), lines[i])
    try:
        parse_workspace("\n".join(lines) + "\n", base_dir=NOWHERE)
    except ConfigError as exc:
        assert i + 1 in [issue.line for issue in exc.issues], (lines[i], exc.issues)
    else:
        raise AssertionError(f"renaming the key on line {i + 1} went unnoticed: {lines[i]!r}")


@FAST
@given(workspaces(extras=False), st.data())
def test_repeated_key_is_reported_on_the_repeat(ws, data):
    lines = dump(ws, exclude_defaults=True).splitlines()
    keyed = [i for i, line in enumerate(lines) if (m := KEY_LINE.match(line)) and "- " not in m.group(1)]
    i = data.draw(st.sampled_from(keyed))
    lines.insert(i + 1, lines[i])
    try:
        parse_workspace("\n".join(lines) + "\n", base_dir=NOWHERE)
    except ConfigError as exc:
        duplicates = [issue.line for issue in exc.issues if issue.message.startswith("duplicate key")]
        assert duplicates == [i + 2], exc.issues
    else:
        raise AssertionError(f"repeating line {i + 1} went unnoticed: {lines[i]!r}")
