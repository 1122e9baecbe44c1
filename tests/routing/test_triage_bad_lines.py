"""`rejoinder triage` reports a bad line by its number and goes on, in time
linear in the line, whatever the line holds."""
import json
import time

from tests.routing.test_triage_cmd import _mention, _run


def test_deep_nesting_and_odd_values_are_reported_and_the_rest_still_runs(tmp_path):
    lines = [
        _mention(1, "@acme I want a refund"),
        "[" * 100_000 + "]" * 100_000,                                           # 100,000 levels of arrays
        '{"a": ' * 100_000 + "1" + "}" * 100_000,                                 # and of objects
        _mention(2, "@acme refund please", author={"handle": "jo", "followers": 2**70}),  # followers ≥ 2⁶³
        _mention(3, "@acme refund", created_at="0001-01-01T00:00:00Z"),            # a year-1 date
        _mention(4, "@acme my refund never came"),
    ]
    started = time.perf_counter()
    result, _ = _run(tmp_path, lines)
    elapsed = time.perf_counter() - started
    routed = [json.loads(line) for line in result.stdout.splitlines()]
    assert routed[0]["id"] == "x:1" and routed[-1]["id"] == "x:4" and routed[-1]["route"] == "refunds"
    errors = result.stderr.splitlines()
    assert any(":2: JSON nested too deeply" in e for e in errors) and any(":3: JSON nested too deeply" in e for e in errors)
    assert "Traceback" not in result.output
    assert result.exit_code == 1  # some lines were bad
    assert elapsed < 30
