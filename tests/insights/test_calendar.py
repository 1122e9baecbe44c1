"""Business time: working hours in the team's timezone, weekends, holidays and DST."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from bot.config.insights import BusinessHours
from bot.insights.calendar import BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")
CAL = BusinessCalendar(BusinessHours(timezone="Europe/Berlin", start="09:00", end="17:00",
                                     holidays=["2026-12-25", "2026-12-28"]))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_inside_one_working_day():
    assert CAL.add(local(2026, 11, 18, 10, 0), timedelta(hours=2)) == local(2026, 11, 18, 12, 0)


def test_opened_at_night_starts_next_morning():
    assert CAL.add(local(2026, 11, 18, 22, 0), timedelta(minutes=30)) == local(2026, 11, 19, 9, 30)


def test_friday_afternoon_runs_over_the_weekend():
    assert CAL.add(local(2026, 11, 20, 16, 0), timedelta(hours=2)) == local(2026, 11, 23, 10, 0)
    assert CAL.elapsed(local(2026, 11, 20, 16, 0), local(2026, 11, 23, 10, 0)) == timedelta(hours=2)


def test_holidays_are_skipped():
    # Thursday 24 Dec 16:30 → Friday 25 (holiday), weekend, Monday 28 (holiday) → Tuesday 29.
    assert CAL.add(local(2026, 12, 24, 16, 30), timedelta(hours=1)) == local(2026, 12, 29, 9, 30)


def test_dst_end_keeps_local_hours():
    # Clocks go back on Sunday 25 Oct 2026: Friday 16:00 is UTC+2, Monday 10:00 is UTC+1.
    due = CAL.add(local(2026, 10, 23, 16, 0), timedelta(hours=2))
    assert due == local(2026, 10, 26, 10, 0)
    assert due.astimezone(timezone.utc).hour == 9
    assert local(2026, 10, 23, 16, 0).astimezone(timezone.utc).hour == 14


def test_dst_start_keeps_local_hours():
    # Clocks go forward on Sunday 29 Mar 2026.
    due = CAL.add(local(2026, 3, 27, 16, 0), timedelta(hours=9))
    assert due == local(2026, 3, 30, 17, 0)  # 1 h on Friday (UTC+1), 8 h on Monday (UTC+2)
    assert due.astimezone(timezone.utc) == datetime(2026, 3, 30, 15, 0, tzinfo=timezone.utc)
    assert local(2026, 3, 27, 16, 0).astimezone(timezone.utc).hour == 15


def test_around_the_clock_without_hours():
    always = BusinessCalendar(None)
    start = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)
    assert always.add(start, timedelta(hours=3)) == start + timedelta(hours=3)


def test_bad_hours_are_refused():
    with pytest.raises(ValueError, match="unknown timezone"):
        BusinessHours(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="before end"):
        BusinessHours(start="18:00", end="09:00")


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)), st.integers(1, 60 * 40))
def test_elapsed_undoes_add(start, minutes):
    start = start.replace(tzinfo=timezone.utc)
    due = CAL.add(start, timedelta(minutes=minutes))
    assert CAL.elapsed(start, due) == timedelta(minutes=minutes)


def test_workspace_mistakes_are_named():
    from bot.config.loader import ConfigError, parse_workspace
    from tests.core.harness import WORKSPACE

    for extra, message in [
        ("\nreports: [{name: weekly, team: nobody}]\n", "unknown team 'nobody'"),
        ("\nspikes: {window: soon}\n", "not a duration"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_workspace(WORKSPACE + extra, "ws.yaml")
    bad_move = WORKSPACE.replace("sla:\n  first_response:", "sla:\n  escalation: {move: panic}\n  first_response:")
    with pytest.raises(ConfigError, match="'panic' is not an action"):
        parse_workspace(bad_move, "ws.yaml")
    bad_hours = WORKSPACE.replace("sla:\n  first_response:", "sla:\n  hours: {timezone: Mars/Base}\n  first_response:")
    with pytest.raises(ConfigError, match="unknown timezone") as err:
        parse_workspace(bad_hours, "ws.yaml")
    assert "ws.yaml:" in str(err.value)  # the place is named


def test_config_check_names_every_unknown_team_with_its_line(tmp_path):
    from bot.config.checks import reference_problems
    import yaml

    data = yaml.safe_load("""
teams: [{name: support, channel: "#s", crisis: {holding_reply: "On it.", team: pr}}]
reports: [{name: weekly, team: suport}]
spikes: {team: ops}
sla: {teams: {sales: {first_response: {normal: 1h}}}}
""")
    found = dict(reference_problems(data))
    assert found[("reports", 0, "team")].startswith("unknown team 'suport'") and "support" in found[("reports", 0, "team")]
    assert ("spikes", "team") in found and ("sla", "teams", "sales") in found and ("teams", 0, "crisis", "team") in found
