"""A report scheduled in the workspace file is posted once per period, with
its charts, even when the schedule is looked at again or after a restart."""
from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console
from sqlalchemy import select

from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.store import tables as t
from integrations.chat.console import ConsolePlatform
from tests.core.harness import WORKSPACE, make_world, mention

SCHEDULED = WORKSPACE + """
reports:
  - {name: weekly, every: weekly, team: sales}
  - {name: dealer, every: weekly, team: dealer}
"""


async def test_weekly_report_posted_once_per_period(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SCHEDULED)
    await w.ingest(mention(1, "@acme my order is broken"), mention(2, "corner bikes rock", handle="rider"))
    w.clock.advance(timedelta(days=3))  # Monday 23 Nov: the week of the 16th is over
    assert await w.app.insights.reports.schedule() == 2
    assert await w.app.insights.reports.schedule() == 0
    await w.drain()
    heads = [text for _ref, text in w.chat.messages.values()]
    # Each team's lane runs on its own, so the two reports may arrive in either order.
    assert any("Weekly report (2026-11-16 00:00 – 2026-11-23 00:00 UTC): 2 mentions, 2 cases" in h for h in heads)
    # The dealer's own report: its own case only, and no advocates table naming authors.
    assert any(h.startswith("Dealer report (2026-11-16 00:00 – 2026-11-23 00:00 UTC): 1 mentions, 1 cases")
               for h in heads)
    files = [(channel, title) for channel, _path, title in w.chat.files]
    assert ("#sales", "Weekly report") in files and ("#sales", "volume network") in files
    assert ("#dealer", "Dealer report") in files
    dealer_html = next(path for channel, path, title in w.chat.files if channel == "#dealer" and path.suffix == ".html")
    assert "Advocates" not in dealer_html.read_text()

    chat = ConsolePlatform(Console(file=io.StringIO()))
    again = App(w.app.ws, w.db, w.core, {"console": chat}, [], {}, InProcessBus(), w.clock)
    assert await again.insights.reports.schedule() == 0  # a restart queues nothing new
    w.clock.advance(timedelta(days=7))
    assert await again.insights.reports.schedule() == 2  # next week
    async with w.db.sessions() as s:
        keys = sorted((await s.execute(select(t.Outbox.idempotency_key).where(t.Outbox.kind == "chat.report"))).scalars())
    assert keys == ["report:dealer:20261116", "report:dealer:20261123", "report:weekly:20261116", "report:weekly:20261123"]
    await w.db.close()
