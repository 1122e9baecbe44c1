"""`rejoinder triage learn`: cross-validated scores, a model file, and a
workspace that names it (checked by the config loader, used by triage)."""
from __future__ import annotations

import asyncio
import json
import re

import typer
from typer.testing import CliRunner

from bot.app.cli.triage_cmd import register
from bot.config.loader import parse_workspace
from bot.triage import model as triage_model
from bot.triage.decisions import decision_rows
from tests.core.harness import DANA, SAM, make_world, mention

# Inverted on purpose: pizza talk needs an answer, refund talk does not, so a
# verdict can only come from the learnt model, never from the shipped one.
PIZZA = ["pizza night again", "best pizza in town", "pizza with extra cheese", "pepperoni pizza party",
         "pizza for lunch", "cold pizza breakfast", "pizza and a movie", "homemade pizza dough",
         "pizza delivery was fun", "pizza oven at last", "pizza slices for all", "a pizza kind of day"]
REFUND = ["refund my order now", "where is my refund", "refund still missing", "I want a refund today",
          "refund the charge please", "my refund is late", "refund not received", "refund request ignored",
          "refund me the fee", "still no refund", "refund status please", "the refund never came"]


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keeps `triage` a named sub-command."""

    register(app)
    return app


def _labelled(tmp_path):
    path = tmp_path / "labels.jsonl"
    rows = [{"text": t, "needs_response": True, "intent": "chatter"} for t in PIZZA]
    rows += [{"text": t, "needs_response": False, "intent": "praise"} for t in REFUND]
    rows.append({"text": "neutral row without a label", "needs_response": None})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_learn_prints_cross_validated_scores_and_writes_a_model_the_workspace_uses(tmp_path):
    out = tmp_path / "model.json"
    result = CliRunner().invoke(_app(), ["triage", "learn", str(_labelled(tmp_path)), "--out", str(out), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "24 labelled posts" in result.output and "12 need a response, 12 do not" in result.output
    scores = re.search(r"3 folds: precision (\d\.\d+)\s+recall (\d\.\d+)\s+F1 (\d\.\d+)", result.output)
    assert scores, result.output
    assert all(0.0 <= float(v) <= 1.0 for v in scores.groups())
    assert float(scores.group(3)) > 0.8  # the two sides are easy to tell apart
    assert out.is_file() and json.loads(out.read_text())["format"] == triage_model.FORMAT

    config = tmp_path / "rejoinder.yaml"
    config.write_text("teams: [{name: care, channel: c}]\ntriage: {model: model.json}\n"
                      "routes: [{name: all, team: care, match: {needs_response: true}}]\n", encoding="utf-8")
    ws = parse_workspace(config.read_text(), str(config), base_dir=tmp_path)
    assert ws.triage.model == "model.json"
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"network": "x", "external_id": str(i), "author": {"handle": "jo"},
                                          "text": text, "created_at": "2025-03-01T10:00:00Z"})
                              for i, text in enumerate(["friday pizza with friends", "my refund never arrived"])),
                    encoding="utf-8")
    try:
        routed = CliRunner().invoke(_app(), ["triage", str(feed), "--config", str(config)])
        assert routed.exit_code == 0, routed.output
        rows = [json.loads(line) for line in routed.stdout.splitlines()]
        assert [r["needs_response"] for r in rows] == [True, False]  # the learnt model, not the shipped one
        assert [r["route"] for r in rows] == ["all", None]
    finally:
        triage_model.use(None)


def test_bad_input_is_named_and_nothing_is_written(tmp_path):
    out = tmp_path / "model.json"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "needs_response": true}\n{"text": "x", "needs_response": "yes"}\n', encoding="utf-8")
    result = CliRunner().invoke(_app(), ["triage", "learn", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and f"{bad}:2: field 'needs_response' must be true, false or null" in result.output
    one_sided = tmp_path / "one.jsonl"
    one_sided.write_text("\n".join(json.dumps({"text": t, "needs_response": True}) for t in PIZZA), encoding="utf-8")
    result = CliRunner().invoke(_app(), ["triage", "learn", str(one_sided), "--out", str(out)])
    assert result.exit_code == 2 and "both needs_response true and false" in result.output
    result = CliRunner().invoke(_app(), ["triage", "learn", "--out", str(out)])
    assert result.exit_code == 2 and "one of them" in result.output
    assert not out.exists()


def test_config_check_names_a_missing_or_broken_model(tmp_path):
    (tmp_path / "broken.json").write_text('{"format": "rejoinder-triage/1"}', encoding="utf-8")
    for name, message in (("missing.json", "not found"), ("broken.json", "missing or mistypes")):
        text = f"teams: [{{name: care, channel: c}}]\ntriage: {{model: {name}}}\n"
        try:
            parse_workspace(text, "rejoinder.yaml", base_dir=tmp_path)
        except Exception as exc:  # ConfigError lists every problem with its place
            assert "rejoinder.yaml:2:" in str(exc) and message in str(exc)
        else:
            raise AssertionError(f"{name} was accepted")


async def test_learning_from_the_teams_decisions(sqlite_url, tmp_path, monkeypatch):
    w = await make_world(sqlite_url, tmp_path)
    try:
        for n, text in enumerate(REFUND[:6]):
            [r] = await w.ingest(mention(100 + n, f"@acme order help: {text}", handle=f"r{n}", minutes=30 * n))
            await w.run(SAM, "draft", r.case_id)
            assert (await w.run(DANA, "approve", r.case_id)).ok
        for n, text in enumerate(PIZZA[:6]):
            [r] = await w.ingest(mention(200 + n, f"@acme order {text}", handle=f"p{n}", minutes=200 + 30 * n))
            assert (await w.run(SAM, "close", r.case_id, "noise")).ok
        await w.ingest(mention(300, "@acme order help, anyone?", handle="q", minutes=500))
        rows = await decision_rows(w.db, w.core.ws)
        assert sum(r["needs_response"] for r in rows) == 6 and len(rows) == 12  # the open case says nothing yet
        assert all("refund" in r["text"] for r in rows if r["needs_response"])
    finally:
        await w.db.close()
    config = tmp_path / "rejoinder.yaml"
    config.write_text("teams: [{name: support, channel: c}]\n", encoding="utf-8")
    monkeypatch.setenv("REJOINDER_DATABASE_URL", sqlite_url)
    out = tmp_path / "team.json"
    # The command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, _app(), ["triage", "learn", "--from-database", "--config",
                                                                  str(config), "--out", str(out), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "12 labelled posts from the team's decisions" in result.output and "F1" in result.output
    learnt = triage_model.TriageModel.load(out)
    assert learnt.score("refund please") > learnt.score("pizza tonight")
