"""`rejoinder config check` ends in a report, never a traceback, whatever the
file holds: huge durations and numbers, deep nesting, dates that do not
exist, NUL bytes, values in every section. Checked by example and over
generated files."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.app.cli.config_cmd import register
from bot.config.loader import starter_text

TEAM = "version: 1\nteams: [{name: support, channel: help}]\n"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])


@pytest.fixture
def check(monkeypatch):
    for name in ("REJOINDER_CONFIG", "REJOINDER_DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    app = typer.Typer()
    register(app)

    def run(text: str):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "rejoinder.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            started = time.perf_counter()
            result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
            elapsed = time.perf_counter() - started
        assert result.exit_code in (0, 1), (text[:200], result.output[-500:], result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        return result, elapsed
    return run


@pytest.mark.parametrize("body, words", [
    ("sla: {first_response: {high: 99999999999999d}}", "longer than 3650 days"),
    ("sla: {first_response: {high: 9999999999999999999999999999999999d}}", "longer than 3650 days"),
    ("incidents: {window: 4000d}", "from 0 to 3650 days"),
    ("incidents: {window: " + "9" * 5000 + "s}", "longer than 3650 days"),
    ("incidents: {threshold: 99999999999999999999999999}", "too large"),
    ("incidents: {threshold: " + "9" * 5000 + "}", "cannot be read"),
    ("sources: [{type: rss, name: r, url: 'http://x.example', poll_interval: .inf}]", "not a usable number"),
    ("routes: [{name: r, team: support, match: {keyword: [x]}, when: 2024-13-45}]", "cannot be read"),
    ("x: " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("x: " + "{a: " * 30_000 + "1" + "}" * 30_000, "nested too deeply"),
])
def test_bad_values_are_reported_by_place(check, body, words):
    result, elapsed = check(TEAM + body + "\n")
    assert result.exit_code == 1 and words in result.output, result.output
    assert elapsed < 10  # linear: a 200 KB file is checked at once


NUMBERS = st.one_of(st.integers(), st.floats(), st.text("0123456789", min_size=1, max_size=60))
UNITS = st.sampled_from(["s", "m", "h", "d", "", "x", " d"])
PLACES = [
    "sla: {{first_response: {{high: {v}}}}}", "incidents: {{window: {v}}}", "incidents: {{threshold: {v}}}",
    "approval: {{approvers_required: {v}}}", "sources: [{{type: rss, name: r, url: 'http://x.example', poll_interval: {v}}}]",
    "sources: [{{type: webhook, name: w, secret_env: W, port: {v}}}]", "version: {v}",
    "routes: [{{name: r, team: support, priority: {v}, match: {{keyword: [x]}}}}]",
]


@FAST
@given(st.sampled_from(PLACES), NUMBERS, UNITS, st.integers(0, 3))
def test_any_number_or_duration_anywhere_is_reported_not_raised(check, place, number, unit, depth):
    value = f"{number}{unit}" if isinstance(number, str) else repr(number)
    nested = "[" * depth + value + "]" * depth
    check(TEAM + place.format(v=nested) + "\n")


@FAST
@given(st.integers(0, len(starter_text())), st.sampled_from(["\x00", "9" * 400, "[" * 3000, "99999999999999d", "{", ".nan"]))
def test_the_starter_with_anything_spliced_in_is_reported_not_raised(check, at, piece):
    text = starter_text()
    check(text[:at] + piece + text[at:])
