import json

import typer
from typer.testing import CliRunner

from bot.app.cli.triage_cmd import register

WORKSPACE = """
organisation:
  handles: {x: acme}
teams:
  - {name: support, channel: "#support"}
  - {name: legal, channel: "#legal"}
routes:
  - name: legal
    team: legal
    priority: high
    labels: [legal]
    match: {flag: legal_threat}
  - name: refunds
    team: support
    match:
      all:
        - handle: acme
        - keyword: [refund, refunds]
"""


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keeps `triage` a named sub-command."""

    register(app)
    return app


def _mention(n: int, text: str, **extra) -> str:
    data = {"network": "x", "external_id": str(n), "author": {"handle": "jo", "followers": 12},
            "text": text, "created_at": "2025-03-01T10:00:00Z", **extra}
    return json.dumps(data)


def _run(tmp_path, lines: list[str]):
    config = tmp_path / "rejoinder.yaml"
    config.write_text(WORKSPACE, encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return CliRunner().invoke(_app(), ["triage", str(feed), "--config", str(config)]), feed


def test_prints_one_json_object_per_mention(tmp_path):
    result, _ = _run(tmp_path, [
        _mention(1, "@acme I want a ref\u200bund for my broken bike"),
        _mention(2, "my lawyer will be in touch @acme"),
        _mention(3, "lovely weather today", lang="en"),
    ])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["x:1", "x:2", "x:3"]
    assert rows[0]["route"] == "refunds" and rows[0]["team"] == "support" and rows[0]["priority"] == "normal"
    assert rows[0]["matched"] == ["@acme", "refund"]
    assert rows[0]["sentiment_label"] == "negative" and rows[0]["sentiment"] < 0
    assert "needs_response" in rows[0]["flags"]
    assert rows[1]["route"] == "legal" and rows[1]["labels"] == ["legal"] and "legal_threat" in rows[1]["flags"]
    assert rows[2]["route"] is None and rows[2]["team"] is None and rows[2]["priority"] is None
    assert rows[2]["matched"] == [] and rows[2]["language"] == "en"
    assert set(rows[0]) == {"id", "route", "team", "priority", "labels", "matched", "sentiment",
                            "sentiment_label", "language", "flags", "needs_response", "confidence",
                            "intent", "intent_confidence"}
    assert rows[0]["needs_response"] is True and rows[0]["intent"] in {"complaint", "request", "purchase"}
    assert rows[2]["needs_response"] is False and 0.5 <= rows[2]["confidence"] <= 1


def test_bad_lines_are_reported_and_the_rest_still_runs(tmp_path):
    result, feed = _run(tmp_path, [
        _mention(1, "@acme refund please"),
        '{"network": "x", "external_id": "2", "text": "hi", "created_at": "2025-03-01T10:00:00Z"}',
        "{not json",
        "",
        _mention(5, "@acme refunds?", network="X!"),
        _mention(6, "@acme refunds?"),
    ])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["x:1", "x:6"]
    errors = result.stderr.splitlines()
    assert len(errors) == 3
    assert errors[0].startswith(f"{feed}:2: ") and "'author'" in errors[0] and "required" in errors[0].lower()
    assert errors[1].startswith(f"{feed}:3: ") and "not valid JSON" in errors[1]
    assert errors[2].startswith(f"{feed}:5: ") and "'network'" in errors[2]


def test_bad_config_is_reported(tmp_path):
    config = tmp_path / "rejoinder.yaml"
    config.write_text("teams: []\n", encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(_mention(1, "hi") + "\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["triage", str(feed), "--config", str(config)])
    assert result.exit_code == 2
    assert "rejoinder.yaml" in result.stderr and result.stdout == ""
