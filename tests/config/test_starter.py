"""The starter file written by `rejoinder init`."""
from bot.config.loader import parse_workspace, starter_text
from bot.config.workspace import Workflow


def test_starter_parses_cleanly():
    ws = parse_workspace(starter_text(), file="rejoinder.yaml")
    assert [t.name for t in ws.teams] == ["support", "sales", "pr"]
    assert {r.team for r in ws.routes} == {"support", "sales", "pr"}
    assert ws.approval.high_risk.approvers_required == 2
    assert ws.guidelines.confidential_terms and ws.guidelines.link_allowlist


def test_starter_spells_out_the_default_workflow():
    ws = parse_workspace(starter_text())
    assert ws.workflows["default"] == Workflow()


def test_starter_has_the_promised_route_kinds():
    text = starter_text()
    for needle in ("min_followers:", "flag: legal_threat", "regex:", "not:", "all:", "any:", "sentiment:"):
        assert needle in text
    assert "mentions.jsonl" in text  # the replay hint


def test_every_section_has_a_comment_above_it():
    lines = starter_text().splitlines()
    sections = [i for i, line in enumerate(lines) if line and line[0].isalpha() and line != "version: 1"]
    assert len(sections) >= 10
    for i in sections:
        assert lines[i - 1].startswith("#"), lines[i]
