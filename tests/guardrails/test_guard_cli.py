from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from bot.app.cli import guard_cmd

WORKSPACE = """\
version: 1
organisation:
  handles: {x: acme}
teams:
  - {name: support, channel: support}
guidelines:
  banned_terms: [cheap]
  link_allowlist: [acme.com]
"""


@pytest.fixture
def run():
    app = typer.Typer()
    guard_cmd.register(app)
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, ["guard", "check", *args], **kw)


def test_clean_reply_exits_zero_with_json(run):
    result = run("--network", "x", "--text", "Thanks, it ships today!")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"network": "x", "blocked": False, "findings": []}


def test_blocked_reply_exits_one_and_lists_findings(run):
    result = run("--network", "bluesky", "--text", "Mail jo@example.com, we'll refund you")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["blocked"] is True and report["network"] == "bluesky"
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("pii", "block"), ("promise", "warn")]


def test_warnings_alone_do_not_block(run):
    result = run("--network", "x", "--text", "Sorry, that was our fault")
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"][0]["rule"] == "promise"


def test_config_file_supplies_the_guidelines(run, tmp_path):
    config = tmp_path / "rejoinder.yaml"
    config.write_text(WORKSPACE, encoding="utf-8")
    result = run("--network", "x", "--text", "cheap deals at acme.com, ask @acme", "--config", str(config))
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["banned_terms"]
    assert result.exit_code == 1
    defaults = run("--network", "x", "--text", "deals at acme.com")  # no allowlist without the file
    assert [f["rule"] for f in json.loads(defaults.stdout)["findings"]] == ["links"]


def test_missing_config_file_falls_back_to_defaults(run, tmp_path):
    result = run("--network", "x", "--text", "cheap deals", "--config", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"] == []
    assert "default guidelines" in result.stderr


def test_text_can_come_from_stdin(run):
    result = run("--network", "mastodon", "--text", "-", input="f*ck\n")
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"][0]["rule"] == "profanity"


@pytest.mark.parametrize("args", [
    ["--network", "x"],  # no text
    ["--text", "hi"],  # no network
    ["--network", "Not A Network", "--text", "hi"],
])
def test_bad_usage_exits_two(run, args):
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == ""


def test_broken_config_exits_two_naming_the_file(run, tmp_path):
    config = tmp_path / "rejoinder.yaml"
    config.write_text("teams: 5\n", encoding="utf-8")
    result = run("--network", "x", "--text", "hi", "--config", str(config))
    assert result.exit_code == 2 and str(config) in result.stderr and "teams" in result.stderr


def test_a_jsonl_file_is_checked_in_one_run_and_bad_lines_are_named(run, tmp_path):
    replies = tmp_path / "replies.jsonl"
    replies.write_text(
        '{"text": "Thanks! DM us: https://t.co/AbC123", "network": "x", "id": "r1"}\n'
        "not json at all\n"
        '{"text": "Call Dana on 415 867 5309"}\n'
        "\n"
        '{"network": "x"}\n'
        '{"text": "hi", "network": "Not A Network"}\n'
        '{"text": "Line\\u2028separator inside is fine", "network": "bluesky"}\n',
        encoding="utf-8",
    )
    result = run("--file", str(replies), "--network", "mastodon")
    assert result.exit_code == 1  # one reply blocked and three lines unusable
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["network"], r["blocked"]) for r in reports] == [
        (1, "x", False), (3, "mastodon", True), (7, "bluesky", False)]
    assert reports[0]["id"] == "r1" and reports[1]["findings"][0]["rule"] == "pii"
    for line in (2, 5, 6):
        assert f"{replies}:{line}:" in result.stderr
    assert "3 replies checked, 1 blocked, 3 lines skipped" in result.stderr


def test_file_and_text_together_or_a_missing_file_exit_two(run, tmp_path):
    assert run("--file", str(tmp_path / "absent.jsonl")).exit_code == 2
    replies = tmp_path / "r.jsonl"
    replies.write_text('{"text": "hi"}\n', encoding="utf-8")
    assert run("--file", str(replies), "--text", "hi").exit_code == 2
    clean = run("--file", str(replies))
    assert clean.exit_code == 0 and json.loads(clean.stdout)["network"] == "x"
