"""Load rejoinder.yaml into a `Workspace`, reporting every mistake with the
file, line, column and field it is in.

PyYAML's composer keeps the position of each node; we record where every
mapping key and list item sits, validate the plain data with pydantic, and
map each error's `loc` back to the closest recorded position.

File references are checked here too: `guidelines.document` and a replay
source's `path` must exist (relative to the workspace file). A missing replay
file is an error, not a warning: a source that cannot start is exactly the
kind of mistake to catch before the service runs.
"""
from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Tag, ValidationError

from bot.config.match import MATCH_KEYS
from bot.config.workspace import DEFAULT_ACTIONS, DEFAULT_STAGES, Workspace
from bot.settings import Settings

Loc = tuple[Any, ...]
MAX_EXPANDED_NODES = 100_000  # guards against alias bombs ("billion laughs")
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(Exception):
    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True)
class SourceMap:
    """Where each key and list item of a parsed file sits (1-based line, column)."""

    file: str
    positions: dict[Loc, tuple[int, int]]

    def locate(self, path: Loc) -> tuple[int | None, int | None]:
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None, None

    def issue(self, path: Loc, message: str) -> ConfigIssue:
        line, column = self.locate(path)
        return ConfigIssue(self.file, line, column, field_name(path), message)


_SOURCE_MAPS: dict[int, tuple[weakref.ref, SourceMap]] = {}


def source_map_for(ws: Workspace) -> SourceMap | None:
    """The positions of the file `ws` was loaded from, if it came from the loader."""
    entry = _SOURCE_MAPS.get(id(ws))
    return entry[1] if entry and entry[0]() is ws else None


def _remember(ws: Workspace, smap: SourceMap) -> Workspace:
    _SOURCE_MAPS[id(ws)] = (weakref.ref(ws), smap)
    weakref.finalize(ws, _SOURCE_MAPS.pop, id(ws), None)
    return ws


def field_name(path: Loc) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def starter_text() -> str:
    """The commented starter workspace `rejoinder init` writes."""
    return files("bot.config").joinpath("starter.yaml").read_text(encoding="utf-8")


def load_workspace(path: str | Path) -> Workspace:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(str(path), None, None, "", "file not found; run `rejoinder init` to create one")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(str(path), None, None, "", f"cannot read the file: {exc}")]) from None
    return parse_workspace(text, file=str(path), base_dir=path.parent)


def parse_workspace(text: str, file: str = "<string>", base_dir: Path | None = None) -> Workspace:
    """Parse and validate; relative file references resolve against `base_dir`
    (the current folder when None). Raises ConfigError listing every problem."""
    data, smap, issues = _compose(text, file)
    problems = _reference_problems(data)
    issues += [smap.issue(p, m) for p, m in problems]
    issues += _file_problems(data, smap, base_dir or Path.cwd())
    try:
        ws = Workspace.model_validate(data)
    except ValidationError as exc:
        # Model validators stop at their first problem and name no line; when
        # the checks above found the same kind of problem, theirs are sharper.
        covered = {p[:2] if p[0] == "workflows" else () for p, _ in problems}
        issues += [_issue(err, smap) for err in exc.errors(include_url=False)
                   if not (err["type"] == "value_error" and tuple(err["loc"]) in covered)]
        ws = None
    if ws is not None and not issues and ws.guidelines.document:
        doc = (base_dir or Path.cwd()) / ws.guidelines.document
        try:
            text = doc.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(smap.issue(("guidelines", "document"), f"cannot read {doc}: {exc}"))
        else:
            ws = ws.model_copy(update={"guidelines": ws.guidelines.model_copy(update={"text": text})})
    if issues or ws is None:
        raise ConfigError(sorted(issues, key=lambda i: (i.line or 0, i.column or 0)))
    return _remember(ws, smap)


# --- YAML with positions -------------------------------------------------------


def _compose(text: str, file: str) -> tuple[Any, SourceMap, list[ConfigIssue]]:
    """The plain data, the positions, and duplicate keys (PyYAML silently keeps the last)."""

    def fail(line: int | None, column: int | None, message: str) -> ConfigError:
        return ConfigError([ConfigIssue(file, line, column, "", message)])

    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise fail(None, None, "the file is empty; it needs at least a 'teams' list")
        positions: dict[Loc, tuple[int, int]] = {(): _pos(node)}
        duplicates: list[ConfigIssue] = []
        _walk(loader, node, (), positions, duplicates, file, set())
        _check_size(node, fail)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise fail(mark.line + 1 if mark else None, mark.column + 1 if mark else None, message) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise fail(line, column, f"character {chr(exc.character)!r} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise fail(None, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise fail(None, None, "the file is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        line, column = positions[()]
        raise fail(line, column, f"the top level must be a mapping of sections (teams:, routes:, ...), not {_kind(data)}")
    return data, SourceMap(file, positions), duplicates


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(loader, node, path: Loc, positions, duplicates, file: str, seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its positions are recorded where the anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                _walk(loader, value_node, path, positions, duplicates, file, seen)
                continue
            key = loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            try:
                hash(key)
            except TypeError:
                continue
            line, column = _pos(key_node)
            if key in first_line:  # PyYAML keeps the later value, so positions follow it
                duplicates.append(ConfigIssue(file, line, column, field_name(path + (key,)),
                                              f"duplicate key {key!r} (first set on line {first_line[key]})"))
            else:
                first_line[key] = line
            positions[path + (key,)] = (line, column)
            _walk(loader, value_node, path + (key,), positions, duplicates, file, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[path + (index,)] = _pos(item)
            _walk(loader, item, path + (index,), positions, duplicates, file, seen)


def _check_size(root: yaml.Node, fail) -> None:
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in active:
            line, column = _pos(node)
            raise fail(line, column, "this mapping or list contains a YAML alias to itself")
        active.add(id(node))
        children = node.value if isinstance(node, yaml.SequenceNode) else (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
        total = 1 + sum(size(child) for child in children)
        active.discard(id(node))
        if total > MAX_EXPANDED_NODES:
            raise fail(None, None, f"the file expands to more than {MAX_EXPANDED_NODES} values through YAML aliases")
        sizes[id(node)] = total
        return total

    size(root)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (str, int, float, bool)):
        return f"the value {value!r}"
    return "an empty value" if value is None else "a plain value"


# --- pydantic errors back to positions ----------------------------------------


def _issue(err: dict[str, Any], smap: SourceMap) -> ConfigIssue:
    path, owner, tp = _data_path(tuple(err["loc"]))
    kind, value = err["type"], err.get("input")
    message = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        message = f"unknown key {path[-1]!r}" + _suggest(str(path[-1]), _field_names(owner))
    elif kind == "missing":
        message = "this key is required but missing"
    elif kind == "recursion_loop":
        message = "nested too deeply"
    elif kind == "match_node":
        path, message = _match_message(path, value, message)
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ", ".join(map(str, _union_tags(tp)))
        if kind == "union_tag_invalid":
            path, message = path + ("type",), f"unknown type {value.get('type')!r}; use one of: {tags}"
        else:
            message = f"needs a 'type' key, one of: {tags}"
    elif kind == "value_error" and isinstance(value, dict):
        # A validator over a whole mapping (e.g. sla durations) names the bad
        # value; point at the key holding it.
        named = [k for k, v in value.items() if isinstance(v, str | int) and repr(v) in message]
        path = path + (named[0],) if len(named) == 1 else path
    elif isinstance(value, bool | int | float) or (value is not None and not isinstance(value, dict | list | str)):
        message += f" (got {value!r})"
        if kind == "string_type":
            message += "; put the value in quotes if you meant text (YAML reads yes/no/on/off, numbers and dates)"
    elif isinstance(value, str) and len(value) <= 60 and kind not in ("value_error", "assertion_error"):
        message += f" (got {value!r})"
    return smap.issue(path, message)


def _union_tags(tp: Any) -> dict[Any, Any]:
    """Tag -> member of a discriminated union (a `Tag` or a literal `type` field)."""
    tags: dict[Any, Any] = {}
    for member in get_args(tp):
        tag = next((m.tag for m in get_args(member)[1:] if isinstance(m, Tag)), None) \
            if get_origin(member) is Annotated else None
        model = get_args(member)[0] if get_origin(member) is Annotated else member
        type_field = getattr(model, "model_fields", {}).get("type")
        if tag is None and type_field and get_origin(type_field.annotation) is Literal:
            tag = get_args(type_field.annotation)[0]
        if tag is not None:
            tags[tag] = model
    return tags


def _data_path(loc: Loc) -> tuple[Loc, type | None, Any]:
    """Drop the union tags pydantic puts in `loc`; also return the model that
    owns the last key, for suggesting the right spelling."""
    tp: Any = Workspace
    path: list[Any] = []
    owner = None
    for part in loc:
        while get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        owner = None
        if part == "[key]":
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = next((f for n, f in tp.model_fields.items() if part in (n, f.alias)), None)
            path.append(part)
            tp = field.annotation if field else None
        elif get_origin(tp) in (list, dict):
            path.append(part)
            tp = get_args(tp)[-1]
        elif get_origin(tp) in (Union, UnionType):
            tags = _union_tags(tp)
            if part in tags:
                tp = tags[part]  # a union tag: not part of the data
            else:
                path.append(part)
                tp = None
        else:
            path.append(part)
            tp = None
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tuple(path), owner, tp


def _field_names(model: type | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]  # type: ignore[attr-defined]


def _suggest(word: str, choices: list[str] | tuple[str, ...], known: str = "allowed") -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; {known}: {', '.join(choices)}" if choices else ""


def _match_message(path: Loc, value: Any, default: str) -> tuple[Loc, str]:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return path + (key,), f"unknown match key {key!r}" + _suggest(str(key), MATCH_KEYS)
    if isinstance(value, dict) and len(value) > 1:
        keys = ", ".join(map(str, value))
        return path, f"a match node has exactly one key, found {len(value)} ({keys}); combine them under all: or any:"
    return path, default


# --- cross-references and files, checked on the raw data so all are reported ----


def _mappings(data: Any, key: str) -> list[tuple[int, dict]]:
    items = data.get(key) if isinstance(data, dict) else None
    return [(i, v) for i, v in enumerate(items) if isinstance(v, dict)] if isinstance(items, list) else []


def _reference_problems(data: dict) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []

    def unique(section: str, noun: str) -> list[str]:
        seen: dict[str, int] = {}
        for i, item in _mappings(data, section):
            name = item.get("name")
            if isinstance(name, str) and name in seen:
                out.append(((section, i, "name"), f"{noun} name {name!r} is used twice (first at {section}[{seen[name]}])"))
            elif isinstance(name, str):
                seen[name] = i
        return list(seen)

    teams = unique("teams", "team")
    unique("routes", "route")
    unique("sources", "source")
    workflows = data.get("workflows")
    workflows = workflows if isinstance(workflows, dict) else {}
    known_workflows = ["default", *(w for w in workflows if w != "default")]
    for i, team in _mappings(data, "teams"):
        wf = team.get("workflow", "default")
        if isinstance(wf, str) and wf not in known_workflows:
            out.append((("teams", i, "workflow"), f"team {team.get('name')!r} uses unknown workflow {wf!r}"
                        + _suggest(wf, known_workflows, "workflows are")))
    for i, route in _mappings(data, "routes"):
        team = route.get("team")
        if isinstance(team, str) and team not in teams:
            out.append((("routes", i, "team"), f"route {route.get('name')!r} sends to unknown team {team!r}"
                        + _suggest(team, teams, "teams are")))
    for name, wf in workflows.items():
        if isinstance(wf, dict):
            out += [(("workflows", name) + p, m) for p, m in _workflow_problems(wf)]
    return out


def _workflow_problems(wf: dict) -> list[tuple[Loc, str]]:
    stages = wf.get("stages", DEFAULT_STAGES)
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        return []
    out: list[tuple[Loc, str]] = []

    def check(path: Loc, stage: Any, what: str) -> None:
        if isinstance(stage, str) and stage not in stages:
            out.append((path, f"{what} {stage!r} is not in stages" + _suggest(stage, stages, "stages are")))

    check(("initial",), wf.get("initial", "new"), "initial stage")
    transitions = wf.get("transitions")
    for i, tr in enumerate(transitions if isinstance(transitions, list) else []):
        if isinstance(tr, dict):
            check(("transitions", i, "from"), tr.get("from"), "transition stage")
            targets = tr.get("to")
            if isinstance(targets, list):
                for j, stage in enumerate(targets):
                    check(("transitions", i, "to", j), stage, "transition stage")
            else:
                check(("transitions", i, "to"), targets, "transition stage")
    actions = wf.get("actions")
    for action, stage in (actions.items() if isinstance(actions, dict) else []):
        if action not in DEFAULT_ACTIONS:
            out.append((("actions", action), f"unknown action {action!r}" + _suggest(str(action), list(DEFAULT_ACTIONS), "actions are")))
        else:
            check(("actions", action), stage, f"action {action!r} targets stage")
    return out


def _file_problems(data: dict, smap: SourceMap, base: Path) -> list[ConfigIssue]:
    out = []
    guidelines = data.get("guidelines")
    document = guidelines.get("document") if isinstance(guidelines, dict) else None
    if isinstance(document, str) and not (base / document).is_file():
        out.append(smap.issue(("guidelines", "document"), f"file {document!r} not found (looked for {base / document})"))
    for i, source in _mappings(data, "sources"):
        if source.get("type") != "replay":
            continue
        path, output = source.get("path"), source.get("output", "replies.jsonl")
        if isinstance(path, str) and not (base / path).is_file():
            out.append(smap.issue(("sources", i, "path"), f"replay file {path!r} not found (looked for {base / path})"))
        if isinstance(output, str) and not (base / output).parent.is_dir():
            out.append(smap.issue(("sources", i, "output"), f"folder for {output!r} does not exist"))
    return out


# --- what the workspace needs from the environment ------------------------------


def check_environment(ws: Workspace, settings: Settings) -> list[ConfigIssue]:
    """Secrets the workspace relies on that are not set (environment or .env)."""
    smap = source_map_for(ws) or SourceMap("<workspace>", {})
    issues: list[ConfigIssue] = []

    def need(platform: str, var: str, why: str) -> None:
        teams = [(i, t.name) for i, t in enumerate(ws.teams) if t.platform == platform]
        if teams:
            names = ", ".join(repr(n) for _, n in teams)
            who = f"teams {names} use" if len(teams) > 1 else f"team {names} uses"
            issues.append(smap.issue(("teams", teams[0][0], "platform"),
                                     f"{who} {platform}: set {var} in the environment or .env ({why})"))

    if settings.slack_bot_token is None:
        need("slack", "SLACK_BOT_TOKEN", "the bot token, xoxb-...")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        need("slack", "SLACK_APP_TOKEN", "xapp-... for Socket Mode, or SLACK_SIGNING_SECRET for HTTP events")
    if settings.discord_token is None:
        need("discord", "DISCORD_TOKEN", "the bot token")
    for i, source in enumerate(ws.sources):
        if source.type == "webhook" and settings.env_secret(source.secret_env) is None:
            issues.append(smap.issue(("sources", i, "secret_env"),
                                     f"webhook source {source.name!r} reads its secret from {source.secret_env}, which is not set"))
    return issues
