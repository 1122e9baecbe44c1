"""SLA clocks act: a warning at 80 % of the target in the case's thread and
the team's channel, a breach with its escalation, each exactly once through
rescans, restarts and a send whose answer was lost."""
from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console
from sqlalchemy import select, update

from bot.app.root import App
from bot.clock import aware
from bot.intake.bus import InProcessBus
from bot.store import tables as t
from integrations.chat.console import ConsolePlatform
from tests.core.harness import SAM, WORKSPACE, make_world, mention

# T0 is Friday 20 Nov 2026, 09:00 UTC = 10:00 in Berlin.
SLA = WORKSPACE.replace("""sla:
  first_response: {urgent: 15m, high: 30m, normal: 1h, low: 8h}
""", """sla:
  first_response: {urgent: 15m, high: 30m, normal: 1h, low: 8h}
  resolution: {normal: 12h}
  warn_at: 0.8
  hours: {timezone: Europe/Berlin, start: "09:00", end: "17:00"}
  escalation: {notify: [dana]}
  teams:
    support:
      first_response: {normal: 2h}
      escalation: {reassign: lee, notify: [dana], move: escalate}
""")


def notices(w) -> list[str]:
    return [text for _ref, text in w.chat.messages.values()]


def lines(w) -> list[str]:
    return [text for _ref, text in w.chat.thread_lines]


async def test_due_times_follow_business_hours(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SLA)
    w.clock.set(w.clock.now() + timedelta(hours=6))  # Friday 16:00 Berlin: one working hour left
    await w.ingest(mention(1, "@acme my order is broken", minutes=6 * 60))
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
    # 2 h for support's normal cases: 1 h on Friday, 1 h on Monday from 09:00 Berlin (08:00 UTC).
    assert aware(case.sla_due_at).isoformat() == "2026-11-23T09:00:00+00:00"
    # 12 h to resolve: 1 h Friday, 8 h Monday, 3 h Tuesday → 12:00 Berlin.
    assert aware(case.resolve_due_at).isoformat() == "2026-11-24T11:00:00+00:00"
    await w.db.close()


async def test_warning_then_breach_each_once_through_restarts(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SLA)
    await w.ingest(mention(1, "@acme my order is broken"))
    assert await w.app.insights.sla.scan() == 0
    w.clock.advance(timedelta(minutes=95))  # 79 % of the 2 h target
    assert await w.app.insights.sla.scan() == 0
    w.clock.advance(timedelta(minutes=2))  # 81 %
    assert await w.app.insights.sla.scan() == 1
    await w.drain()
    assert len([n for n in notices(w) if n.startswith("SLA warning: case #1")]) == 1
    assert len([line for line in lines(w) if line.startswith("SLA warning: case #1")]) == 1
    assert "81% of its 2.0 h first response target" in notices(w)[0]
    assert await w.app.insights.sla.scan() == 0  # rescanning sends nothing new

    # A restart: a new app on the same database finds the alert already queued.
    chat = ConsolePlatform(Console(file=io.StringIO()))
    again = App(w.app.ws, w.db, w.core, {"console": chat}, [], {}, InProcessBus(), w.clock)
    assert await again.insights.sla.scan() == 0

    w.clock.advance(timedelta(minutes=30))  # past the target
    assert await again.insights.sla.scan() == 1
    await w.drain()
    breach = [n for n in notices(w) if n.startswith("SLA breached: case #1")]
    assert len(breach) == 1
    assert "reassigned to lee" in breach[0] and "moved to escalated" in breach[0] and breach[0].endswith("@dana")
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
        kinds = list((await s.execute(select(t.CaseEvent.kind).where(t.CaseEvent.case_id == 1))).scalars())
    assert case.assignee == "lee" and case.stage == "escalated"
    assert kinds.count("sla_warn") == 1 and kinds.count("sla_breach") == 1
    assert await w.app.insights.sla.scan() == 0 and await again.insights.sla.scan() == 0
    await w.db.close()


async def test_clock_stops_over_the_weekend_and_after_the_reply(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SLA)
    await w.ingest(mention(1, "@acme my order is broken"), mention(2, "@acme refund please", handle="lu"))
    w.clock.advance(timedelta(hours=50))  # Sunday: only 6 working hours have passed since Friday 10:00 Berlin
    await w.app.insights.sla.scan()
    await w.drain()
    # Both first-response clocks (2 h) breached on Friday; the 12 h resolution clock is at 7 h: no warning yet.
    assert not any("resolution" in n for n in notices(w))
    assert (await w.run(SAM, "resolve", 2, "sorted by phone")).ok  # escalated at the breach, now resolved
    w.clock.advance(timedelta(hours=24))  # Monday 12:00 Berlin: case 1 is at 10 h of 12
    await w.app.insights.sla.scan()
    await w.drain()
    resolution = [n for n in notices(w) if "resolution target" in n]
    assert len(resolution) == 1 and resolution[0].startswith("SLA warning: case #1 ")  # resolved case 2 has no clock
    assert "83% of its 12.0 h resolution target" in resolution[0]
    await w.db.close()


async def test_a_lost_answer_is_not_posted_twice(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SLA)
    await w.ingest(mention(1, "@acme my order is broken"))
    w.clock.advance(timedelta(minutes=100))
    await w.app.insights.sla.scan()
    await w.drain()
    assert len(notices(w)) == 1
    # The row is retried as if the worker died after posting: the platform is asked first.
    async with w.db.transaction() as s:
        await s.execute(update(t.Outbox).where(t.Outbox.kind == "chat.notice").values(status="uncertain"))
    await w.drain()
    assert len(notices(w)) == 1
    async with w.db.sessions() as s:
        row = (await s.execute(select(t.Outbox).where(t.Outbox.kind == "chat.notice"))).scalar_one()
    assert row.status == "sent" and row.idempotency_key == "sla:1:first_response:warn:channel"
    await w.db.close()


async def test_warning_lands_at_the_right_hour_across_a_dst_change(sqlite_url, tmp_path):
    from datetime import datetime, timezone

    w = await make_world(sqlite_url, tmp_path, SLA)
    friday = datetime(2027, 3, 26, 15, 0, tzinfo=timezone.utc)  # 16:00 in Berlin (UTC+1); clocks go forward on Sunday
    w.clock.set(friday)
    m = mention(1, "@acme my order is broken").model_copy(update={"created_at": friday})
    await w.ingest(m)
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
    # 2 h: 1 h on Friday, 1 h on Monday from 09:00 Berlin, which is now 07:00 UTC (UTC+2).
    assert aware(case.sla_due_at) == datetime(2027, 3, 29, 8, 0, tzinfo=timezone.utc)
    w.clock.set(datetime(2027, 3, 29, 7, 35, tzinfo=timezone.utc))  # 95 min of business time: 79 %
    assert await w.app.insights.sla.scan() == 0
    w.clock.set(datetime(2027, 3, 29, 7, 37, tzinfo=timezone.utc))  # 97 min: 81 %
    assert await w.app.insights.sla.scan() == 1
    await w.drain()
    assert "due 2027-03-29 10:00 CEST" in notices(w)[0]  # told on the team's clock
    await w.db.close()
