"""The README shows one report's charts: every image it names under
docs/report exists, is a PNG, and is a chart a report (or a spike alert) draws."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"volume_network", "volume_route", "volume_team", "sentiment", "first_response", "resolution", "stages",
           "approval_turnaround", "guardrail_blocks", "top_topics", "advocates", "partners"}


def test_the_readme_shows_report_charts_that_exist():
    shown = re.findall(r"\]\((docs/report/[^)]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    names = {Path(p).stem for p in shown}
    assert len(names & FIGURES) >= 4, names  # one report's charts, not a single picture
    for path in shown:
        data = (ROOT / path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert Path(path).stem in FIGURES or Path(path).stem.startswith("spike_"), path
