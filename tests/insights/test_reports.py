"""Reports: the figures of a known morning (golden values, not pixels), a
chart for every figure with data, each titled, with axis units and a
legend; the CSV holds the same figures; a partner's report only its own."""
from __future__ import annotations

import asyncio
import csv
from datetime import timedelta

from typer.testing import CliRunner

from bot.app.cli import app as cli
from bot.insights.reports.figures import Scope, collect
from bot.insights.reports.render import chart_for
from tests.core.harness import DANA, SAM, T0, WORKSPACE, make_world, mention


async def morning(url, tmp_path):
    w = await make_world(url, tmp_path)
    await w.ingest(mention(1, "@acme my order is broken", minutes=0),
                   mention(2, "@acme a quote for pricing please", handle="bob", minutes=5),
                   mention(3, "@acme.bsky.social love it, thanks for the help! amazing", network="bluesky", handle="fan",
                           followers=900, minutes=10),
                   mention(4, "@acme.bsky.social great order, amazing support, love you", network="bluesky",
                           handle="fan", followers=900, minutes=20),
                   mention(5, "corner bikes are great", handle="cyclist", minutes=25))
    w.clock.set(T0 + timedelta(minutes=30))
    await w.run(SAM, "draft", 1)
    w.clock.advance(timedelta(minutes=5))
    await w.run(DANA, "approve", 1)  # published 35 min after it was opened: within the 1 h SLA
    w.clock.advance(timedelta(minutes=10))
    await w.run(SAM, "resolve", 1)
    await w.run(SAM, "edit", 2, "Project Falcon will sort your pricing out")  # blocked: a confidential name
    return w


async def test_report_figures_of_a_known_morning(database_url, tmp_path):
    w = await morning(database_url, tmp_path)
    async with w.db.sessions() as s:
        tables = {tb.name: tb for tb in await collect(s, Scope(T0 - timedelta(hours=1), T0 + timedelta(days=1)), ["dealer"])}
    rows = lambda name: sorted(map(tuple, tables[name].rows))  # noqa: E731
    assert rows("volume_network") == [("bluesky", 2), ("x", 3)]
    assert rows("volume_team") == [("dealer", 1), ("sales", 1), ("support", 3)]
    assert rows("volume_route") == [("dealer", 1), ("sales", 1), ("support", 3)]
    assert rows("stages") == [("awaiting_approval", 1), ("new", 3), ("resolved", 1)]
    nonzero = lambda name: [r for r in tables[name].rows if any(r[1:])]  # noqa: E731
    assert tables["first_response"].column("time") == ["0m–15m", "15m–30m", "30m–1h", "1h–2h", "2h–4h", "4h–8h",
                                                       "8h–24h", "≥24h"]
    assert nonzero("first_response") == [["30m–1h", 1, 0]]
    assert nonzero("resolution") == [["30m–1h", 1, 0]]
    assert nonzero("approval_turnaround") == [["0m–15m", 1]]
    assert tables["sentiment"].rows == [["2026-11-20 09:00", 1, 0, 4]]  # per hour for a day; "please" reads as positive
    assert [r[:3] for r in tables["advocates"].rows] == [["@fan", "bluesky", 2]]
    assert tables["partners"].rows == [["dealer", 1, 0, 0, 0.0]]
    assert tables["guardrail_blocks"].rows == [["confidential", 1]]
    for table in tables.values():
        fig = chart_for(table)
        assert (fig is None) == (not table.rows), table.name
        if fig is None:
            continue
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), table.name
        assert ax.get_legend() is not None and ax.get_legend().get_texts(), table.name
        assert ax.patches or any(len(line.get_xdata()) for line in ax.lines), f"{table.name} chart is empty"
        labels = ax.get_xlabel() + " " + ax.get_ylabel()
        if table.name in ("first_response", "resolution", "approval_turnaround"):
            assert "minutes" in labels and "hours" in labels, table.name  # the bins' units, spelled out
        if table.name == "sentiment":
            assert ax.get_xlabel() == "hour (UTC)" and ax.get_ylabel() == "mentions per hour"
    await w.db.close()


async def test_partner_report_holds_only_its_own_cases(sqlite_url, tmp_path):
    w = await morning(sqlite_url, tmp_path)
    async with w.db.sessions() as s:
        tables = {tb.name: tb for tb in await collect(
            s, Scope(T0 - timedelta(hours=1), T0 + timedelta(days=1), ["dealer"], "dealer"), ["dealer"])}
    assert tables["volume_team"].rows == [["dealer", 1]]
    assert "advocates" not in tables  # names authors: never in a partner's report
    assert tables["partners"].rows == [["dealer", 1, 0, 0, 0.0]]
    await w.db.close()


def test_report_command_writes_html_charts_and_csv(sqlite_url, tmp_path, monkeypatch):
    async def prepare():
        w = await morning(sqlite_url, tmp_path)
        await w.db.close()
    asyncio.run(prepare())
    (tmp_path / "ws.yaml").write_text(WORKSPACE)
    monkeypatch.setenv("REJOINDER_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REJOINDER_CONFIG", str(tmp_path / "ws.yaml"))
    out = tmp_path / "report"
    # The morning is in November 2026: ask for a long enough window from today.
    result = CliRunner().invoke(cli, ["report", "--since", "3650d", "--out", str(out), "--post", "support"])
    assert result.exit_code == 0, result.output
    assert "5 mentions, 5 cases" in result.output and "Posted in #support" in result.output
    html = (out / "index.html").read_text()
    assert "Mentions by network" in html and "volume_network.png" in html
    with (out / "csv" / "volume_network.csv").open() as f:
        assert sorted(csv.reader(f)) == sorted([["network", "mentions"], ["bluesky", "2"], ["x", "3"]])
    assert (out / "first_response.png").read_bytes()[:4] == b"\x89PNG"
    bad = CliRunner().invoke(cli, ["report", "--since", "soon"])
    assert bad.exit_code == 1 and "not a duration" in bad.output
