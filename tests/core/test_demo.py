"""`rejoinder demo` runs the whole loop unattended and reports every stage."""
from __future__ import annotations

import json

import pytest

from typer.testing import CliRunner

from bot.app.cli import app
from integrations.social.replay import read_replies


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps at 80 columns otherwise


def test_demo_runs_the_whole_loop(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path)], terminal_width=200)
    out = result.output
    assert result.exit_code == 0, out
    for stage in ("listen", "route", "incident", "context", "draft", "guardrail block", "edit → approve", "rejected",
                  "refused", "publish", "first response"):
        assert stage in out, f"summary lacks {stage!r}"
    assert "dropped as noise" in out and "customer timeline: mention" in out
    replies = read_replies(tmp_path / "replies.jsonl")
    keys = [r["idempotency_key"] for r in replies]
    assert len(keys) == len(set(keys)) > 40  # published, each exactly once
    assert f"{len(replies)} replies published exactly once ({len(replies)} lines" in out
    texts = " ".join(r["text"] for r in replies)
    assert "Kestrel" not in texts and "555-01" not in texts  # the blocked drafts never went out
    # Dana's edit after Sam's PII slip is what was published for that case.
    assert any("we've sent you a DM so we can call you back today" in r["text"] for r in replies)
    assert "needs the role admin or approver" in out  # the partner's approve was refused
    assert "written by dana, approved by lee" in out  # four-eyes: Dana edited, Lee approved
    # Alerts and the report: an SLA warning, the outage burst's spike alert (edited in place), charts written.
    assert "SLA warning: case #" in out and "Spike on route outage" in out and "Spike over on route outage" in out
    assert "spike alert" in out and "incident card #" in out
    charts = sorted(p.name for p in (tmp_path / "report").glob("*.png"))
    assert {"volume_route.png", "sentiment.png", "first_response.png"} <= set(charts)
    assert (tmp_path / "report" / "index.html").exists() and (tmp_path / "report" / "csv" / "stages.csv").exists()


def test_demo_is_repeatable(tmp_path):
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--workdir", str(tmp_path)], terminal_width=200)
    second = runner.invoke(app, ["demo", "--workdir", str(tmp_path)], terminal_width=200)
    assert first.exit_code == second.exit_code == 0
    strip = lambda text: [line for line in text.splitlines() if "Database" not in line]  # noqa: E731
    assert strip(first.output) == strip(second.output)


def test_interactive_demo_takes_typed_commands(tmp_path):
    commands = "\n".join(["stats", "as sam", "draft 1", "as dana", "approve 1", "as pat", "approve 2", "case 2", "quit"]) + "\n"
    result = CliRunner().invoke(app, ["demo", "--interactive", "--as", "dana", "--workdir", str(tmp_path)],
                                input=commands, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "publishing to" in result.output
    assert "`approve` needs the role admin or approver" in result.output  # Pat is a partner
    assert "Case 2 is not shared with your channel" in result.output
    assert len(read_replies(tmp_path / "replies.jsonl")) == 1
    assert json.loads((tmp_path / "replies.jsonl").read_text().splitlines()[0])["idempotency_key"].startswith("reply:1:")
