"""bench/guard_quality.measure: the figures it prints come from counting the
findings on labelled files (not a timing test)."""
from __future__ import annotations

import json

from bench.guard_quality import CONFIG, measure


def test_measure_counts_catches_and_false_blocks(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(r) for r in [
        {"text": "Call 415 867 5309", "family": "phone", "obfuscation": "plain"},
        {"text": "Nice weather", "family": "phone", "obfuscation": "plain"},  # a miss, on purpose
        {"text": "We'll waive the fee", "family": "promise_fee_waiver", "obfuscation": "plain"},
    ]) + "\n", encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in [
        {"text": "Call us on 1-800-555-0199", "network": "x"},  # the brand's hotline, declared in CONFIG
        {"text": "Email jo@gmail.com", "network": "x"},  # a false block, on purpose
    ]) + "\n", encoding="utf-8")
    result = measure([bad], [good], CONFIG, timing=False)
    assert result["catch_rate"] == {"phone": 0.5, "promise_fee_waiver": 1.0}
    assert result["false_block_rate"] == 0.5 and result["false_block_rate_by_family"] == {"email": 0.5}
    assert [m["text"] for m in result["missed"]] == ["Nice weather"]
    assert result["replies_per_s"] > 0
