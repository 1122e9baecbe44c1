"""The team's clock, not UTC: the spike baseline's hour of the day and of
the week, report periods and report buckets follow the team's timezone,
also across a DST change (Europe/Berlin: forward on 29 Mar, back on 25 Oct 2026)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from bench.spike_data import series
from bot.config.insights import Spikes
from bot.insights.reports.figures import Scope, collect
from bot.insights.reports.service import Reports
from bot.insights.spikes import Detector, Settings
from bot.insights.zones import local_sources
from bot.store import tables as t
from tests.core.harness import WORKSPACE, make_world, mention

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = 7 * 24 * 12  # 5-minute buckets
MONDAY = datetime(2026, 3, 2, tzinfo=BERLIN)  # four weeks of history, then the week clocks go forward


def since_monday(when: datetime, unit: timedelta) -> int:
    """Real time elapsed (not wall-clock difference, which Python gives for two times in one zone)."""
    return int((when.astimezone(UTC) - MONDAY.astimezone(UTC)) / unit)


def test_last_weeks_same_hour_is_found_on_the_wall_clock():
    start = MONDAY.astimezone(UTC)
    n = 5 * 7 * 24
    src = local_sources(start, n, BERLIN, 168)
    monday_9 = since_monday(datetime(2026, 3, 30, 9, tzinfo=BERLIN), timedelta(hours=1))
    assert src[monday_9] == monday_9 - 167  # the Sunday in between had 23 hours
    assert (start + timedelta(hours=int(src[monday_9]))).astimezone(BERLIN).hour == 9
    wednesday = since_monday(datetime(2026, 3, 18, 9, tzinfo=BERLIN), timedelta(hours=1))
    assert src[wednesday] == wednesday - 168
    assert (src[:168] == -1).all()


def morning_rush(zone):
    """Quiet days but a sharp rush from 08:00 to 09:00 local every weekday, for five weeks."""
    counts, negatives = series(5, 2.0, [], seed=4, zone=zone, start=MONDAY.astimezone(UTC))
    for week in range(5):
        for day in range(5):
            at = datetime(2026, 3, 2, 8, tzinfo=BERLIN) + timedelta(days=7 * week + day)
            i = since_monday(at, timedelta(minutes=5))
            counts[i:i + 12] += 6  # +72 an hour, on the local clock
    return counts, negatives


def test_the_morning_rush_after_clocks_go_forward_is_no_spike():
    counts, negatives = morning_rush(BERLIN)
    start = MONDAY.astimezone(UTC)
    settings = Settings.of(Spikes())
    after_rush = since_monday(datetime(2026, 3, 30, 9, tzinfo=BERLIN), timedelta(minutes=5))
    local = [Detector(settings).evaluate(counts[:end], negatives[:end], start, BERLIN).lasting
             for end in range(after_rush - 12, after_rush + 1)]
    assert not any(local)
    # Counted in UTC the rush comes an hour early against last week's and looks like a spike.
    in_utc = [Detector(settings).evaluate(counts[:end], negatives[:end], start).lasting
              for end in range(after_rush - 12, after_rush + 1)]
    assert any(in_utc)


def test_a_real_spike_on_the_dst_monday_is_still_found():
    counts, negatives = morning_rush(BERLIN)
    at = since_monday(datetime(2026, 3, 30, 14, tzinfo=BERLIN), timedelta(minutes=5))
    counts[at:at + 24] += 8
    start = MONDAY.astimezone(UTC)
    detector = Detector(Settings.of(Spikes()))
    found = next(end for end in range(at, at + 24) if detector.evaluate(counts[:end], negatives[:end], start, BERLIN).lasting)
    assert found - at <= 6
    hourly = np.array(detector.evaluate(counts[:found], negatives[:found], start, BERLIN).hourly_expected)
    assert hourly.max() > 10 * hourly.min()  # the rush hour is expected, the night is not


def test_weekly_period_is_monday_to_monday_on_the_team_clock():
    tuesday = datetime(2026, 10, 27, 12, tzinfo=UTC)
    since, until = Reports.period("weekly", tuesday, BERLIN)
    assert since == datetime(2026, 10, 19, tzinfo=BERLIN) and until == datetime(2026, 10, 26, tzinfo=BERLIN)
    assert until - since == timedelta(hours=169)  # the week clocks went back
    since, until = Reports.period("daily", datetime(2026, 3, 29, 23, tzinfo=UTC), BERLIN)  # Monday 01:00 local
    assert (since, until) == (datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
    assert until - since == timedelta(hours=23)
    assert Reports.period("weekly", tuesday) == (datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC))


BERLIN_WS = WORKSPACE.replace("""sla:
  first_response:""", """sla:
  hours: {timezone: Europe/Berlin}
  first_response:""") + """
reports:
  - {name: weekly, every: weekly, team: support}
  - {name: tokyo, every: weekly, team: support, timezone: Asia/Tokyo}
"""


def at(text: str, n: int, when: datetime, handle: str = "maria"):
    return mention(n, text, handle=handle).model_copy(update={"created_at": when.astimezone(UTC)})  # sources give UTC


async def test_scheduled_report_counts_the_local_week_and_local_days(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, BERLIN_WS)
    # Clocks go forward on Sunday 28 Mar 2027. Tuesday 00:30 CET is still Monday in UTC: a Tuesday here.
    tuesday = datetime(2027, 3, 23, 0, 30, tzinfo=BERLIN)
    # Sunday 23:30 CEST is in the week of the 22nd; Monday 00:30 CEST (still Sunday in UTC) is not.
    late_sunday = datetime(2027, 3, 28, 23, 30, tzinfo=BERLIN)
    early_monday = datetime(2027, 3, 29, 0, 30, tzinfo=BERLIN)
    for n, (when, text) in enumerate([(tuesday, "@acme my order is broken"), (late_sunday, "@acme refund please, broken"),
                                      (early_monday, "@acme broken order again")], start=1):
        w.clock.set(when.astimezone(UTC))
        await w.ingest(at(text, n, when, handle=f"p{n}"))
    w.clock.set(datetime(2027, 3, 30, 10, tzinfo=UTC))
    assert await w.app.insights.reports.schedule() == 2
    assert await w.app.insights.reports.schedule() == 0
    await w.drain()
    heads = [text for _ref, text in w.chat.messages.values() if " report (" in text]
    assert any(h.startswith("Weekly report (2027-03-22 00:00 – 2027-03-29 00:00 Europe/Berlin): 2 mentions")
               for h in heads), heads
    # A report with its own timezone: Tokyo's week ended on Sunday 15:00 UTC.
    assert any(h.startswith("Tokyo report (2027-03-22 00:00 – 2027-03-29 00:00 Asia/Tokyo): 1 mentions")
               for h in heads), heads
    async with w.db.sessions() as s:
        keys = sorted((await s.execute(select(t.Outbox.idempotency_key).where(t.Outbox.kind == "chat.report"))).scalars())
    assert keys == ["report:tokyo:20270322", "report:weekly:20270322"]
    since, until = Reports.period("weekly", w.clock.now(), BERLIN)
    async with w.db.sessions() as s:
        tables = {tb.name: tb for tb in await collect(s, Scope(since, until, zone=BERLIN), [])}
    assert [r[0] for r in tables["sentiment"].rows] == ["2027-03-23", "2027-03-28"]
    assert tables["sentiment"].axis == "day (Europe/Berlin)"
    await w.db.close()


async def test_hourly_buckets_tell_the_repeated_hour_apart(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    first = datetime(2026, 10, 25, 0, 15, tzinfo=UTC)  # 02:15 CEST
    second = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET, an hour later
    await w.ingest(at("@acme my order is broken", 1, first), at("@acme broken order", 2, second, handle="bo"))
    async with w.db.sessions() as s:
        tables = {tb.name: tb for tb in await collect(s, Scope(first - timedelta(hours=2), second + timedelta(hours=2),
                                                                 zone=BERLIN), [])}
    assert [r[0] for r in tables["sentiment"].rows] == ["2026-10-25 02:00", "2026-10-25 02:00 (2nd)"]
    await w.db.close()
