"""Each kind of mistake in rejoinder.yaml is reported at its line and field."""
from textwrap import dedent

import pytest

from bot.config.loader import ConfigError, ConfigIssue, parse_workspace

TEAMS = """\
teams:
  - name: support
    channel: help
  - name: sales
    channel: sales
"""


def issues(text: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        parse_workspace(dedent(text), file="rejoinder.yaml")
    return caught.value.issues


def only(text: str) -> ConfigIssue:
    found = issues(text)
    assert len(found) == 1, found
    return found[0]


def test_issue_text_names_file_line_column_and_field():
    issue = ConfigIssue("rejoinder.yaml", 12, 5, "routes[2].match", "bad node")
    assert str(issue) == "rejoinder.yaml:12:5: routes[2].match: bad node"
    assert str(ConfigIssue("rejoinder.yaml", None, None, "", "file not found")) == "rejoinder.yaml: file not found"


def test_unknown_key_suggests_the_right_spelling():
    issue = only("""\
        teams:
          - name: support
            chanel: help
            channel: help
        """)
    assert (issue.line, issue.column, issue.field) == (3, 5, "teams[0].chanel")
    assert issue.message == "unknown key 'chanel' (did you mean 'channel'?)"


def test_unknown_top_level_key_without_close_match_lists_allowed_keys():
    issue = only(TEAMS + "colour: blue\n")
    assert (issue.line, issue.field) == (6, "colour")
    assert "unknown key 'colour'" in issue.message and "routes" in issue.message


def test_missing_required_key_points_at_its_list_item():
    issue = only("""\
        teams:
          - name: support
            channel: help
          - name: sales
        """)
    assert (issue.line, issue.column, issue.field) == (4, 5, "teams[1].channel")
    assert "required" in issue.message


def test_duplicate_key_is_reported_at_the_second_occurrence():
    found = issues("""\
        teams:
          - name: support
            channel: help
            channel: other
        """)
    assert [(i.line, i.field) for i in found] == [(4, "teams[0].channel")]
    assert "duplicate key 'channel' (first set on line 3)" in found[0].message


def test_bad_regex_in_a_route_carries_the_validator_message():
    issue = only(TEAMS + dedent("""\
        routes:
          - name: orders
            team: support
            match:
              regex: "(unclosed"
        """))
    assert (issue.line, issue.column, issue.field) == (10, 7, "routes[0].match.regex")
    assert issue.message.startswith("invalid regular expression:")


def test_unknown_team_in_a_route_points_at_the_team_key():
    issue = only(TEAMS + dedent("""\
        routes:
          - name: pricing
            team: sails
            match: {keyword: price}
        """))
    assert (issue.line, issue.field) == (8, "routes[0].team")
    assert issue.message == "route 'pricing' sends to unknown team 'sails' (did you mean 'sales'?)"


def test_malformed_match_node_names_the_allowed_keys():
    issue = only(TEAMS + dedent("""\
        routes:
          - name: pricing
            team: sales
            match: price
        """))
    assert (issue.line, issue.column, issue.field) == (9, 5, "routes[0].match")
    assert "a match node is a mapping with exactly one of: keyword" in issue.message


def test_misspelt_match_key_inside_a_tree_is_found():
    issue = only(TEAMS + dedent("""\
        routes:
          - name: pricing
            team: sales
            match:
              any:
                - keyword: price
                - not:
                    phrse: free trial
        """))
    assert (issue.line, issue.field) == (13, "routes[0].match.any[1].not.phrse")
    assert issue.message == "unknown match key 'phrse' (did you mean 'phrase'?)"


def test_match_node_with_two_keys_says_how_to_combine_them():
    issue = only(TEAMS + dedent("""\
        routes:
          - name: pricing
            team: sales
            match:
              keyword: price
              phrase: how much
        """))
    assert (issue.line, issue.field) == (9, "routes[0].match")
    assert "found 2 (keyword, phrase)" in issue.message and "all: or any:" in issue.message


def test_bad_duration_in_sla():
    issue = only(TEAMS + dedent("""\
        sla:
          first_response:
            urgent: 30m
            high: one hour
        """))
    assert (issue.line, issue.field) == (9, "sla.first_response.high")
    assert "'one hour' is not a duration like 15m, 4h or 2d" in issue.message


def test_unknown_priority_in_sla_points_at_the_key():
    issue = only(TEAMS + "sla:\n  first_response:\n    urgnt: 30m\n")
    assert (issue.line, issue.field) == (8, "sla.first_response.urgnt")
    assert "'urgent'" in issue.message and "(got 'urgnt')" in issue.message


def test_workflow_transition_to_an_unknown_stage():
    issue = only(TEAMS + dedent("""\
        workflows:
          default:
            transitions:
              - from: new
                to: [triaged, archived]
        """))
    assert (issue.line, issue.column, issue.field) == (10, 23, "workflows.default.transitions[0].to[1]")
    assert issue.message.startswith("transition stage 'archived' is not in stages")


def test_team_using_an_unknown_workflow():
    issue = only("teams:\n  - name: support\n    channel: help\n    workflow: custom\n")
    assert (issue.line, issue.field) == (4, "teams[0].workflow")
    assert "unknown workflow 'custom'" in issue.message


def test_duplicate_route_names():
    issue = only(TEAMS + dedent("""\
        routes:
          - {name: a, team: sales, match: {keyword: x}}
          - {name: a, team: sales, match: {keyword: y}}
        """))
    assert (issue.line, issue.field) == (8, "routes[1].name")
    assert "used twice" in issue.message


def test_unquoted_no_is_explained():
    issue = only("teams:\n  - name: support\n    channel: no\n")
    assert (issue.line, issue.field) == (3, "teams[0].channel")
    assert "(got False)" in issue.message and "quotes" in issue.message


def test_source_type_and_missing_fields():
    found = issues(TEAMS + dedent("""\
        sources:
          - type: myspace
            name: feed
          - type: webhook
            name: hook
        """))
    assert [(i.line, i.field) for i in found] == [(7, "sources[0].type"), (9, "sources[1].secret_env")]
    assert found[0].message == "unknown type 'myspace'; use one of: replay, webhook, bluesky, reddit, rss, mastodon, x"


def test_a_source_name_is_a_plain_word():
    # ":" would collide with the reserved cursor keys that hold saved sessions.
    [issue, *_] = issues(TEAMS + dedent("""\
        sources:
          - {type: replay, name: "session:bluesky:tandem.test", path: feed.jsonl}
        """))
    assert (issue.line, issue.field) == (7, "sources[0].name")
    assert issue.message.startswith("a source name is 1 to 60 letters, digits")


def test_every_error_is_reported_in_line_order():
    found = issues("""\
        teams:
          - name: Support
            channel: help
        routes:
          - name: r
            team: nobody
            match: {keywrd: x}
        incidents:
          threshold: 1
        """)
    assert [(i.line, i.field) for i in found] == [
        (2, "teams[0].name"),
        (6, "routes[0].team"),
        (7, "routes[0].match.keywrd"),
        (9, "incidents.threshold"),
    ]


def test_config_error_text_lists_every_issue_on_its_own_line():
    with pytest.raises(ConfigError) as caught:
        parse_workspace("teams:\n  - name: A\n    chanel: x\n", file="ws.yaml")
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.issues) == 3
    assert all(line.startswith("ws.yaml:") for line in lines)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("teams:\n  - name: a\n   channel: [x\n", 3, 4, "expected <block end>"),
        ("teams: [\n", 2, 1, "expected the node content"),
        ("teams:\n\t- a\n", 2, 1, "'\\t'"),
        ("teams: \x00\n", 1, 8, "not allowed"),
        ("- a\n- b\n", 1, 1, "top level must be a mapping"),
        ("just text", 1, 1, "top level must be a mapping"),
        ("teams: &t\n  - *t\n", 1, 8, "alias to itself"),
    ],
)
def test_yaml_level_mistakes(text, line, column, words):
    issue = only(text)
    assert (issue.line, issue.column) == (line, column)
    assert words in issue.message


def test_empty_file():
    issue = only("  \n# nothing yet\n")
    assert issue.line is None and "empty" in issue.message


def test_alias_bomb_is_refused():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 7)]
    issue = only("\n".join(levels) + "\n")
    assert "through YAML aliases" in issue.message


def test_deep_nesting_is_refused_plainly():
    depth = 300
    match = "{not: " * depth + "{keyword: x}" + "}" * depth
    found = issues(TEAMS + f"routes: [{{name: r, team: support, match: {match}}}]\n")
    assert any("nested too deeply" in i.message for i in found)
    assert issues("[" * 5000 + "]" * 5000)[0].message == "the file is nested too deeply"
