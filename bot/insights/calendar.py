"""Business time: SLA clocks run only inside a team's working hours, in the
team's own timezone, skipping days off and holidays. Working hours are wall
clock times, so a DST change moves them in UTC but not locally."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.config.insights import DAYS, BusinessHours, clock_time

_MAX_DAYS = 3660  # a clock that finds no working time in ten years is misconfigured


class BusinessCalendar:
    """`hours=None`: the clock runs around the clock."""

    def __init__(self, hours: BusinessHours | None) -> None:
        self.hours = hours
        self.zone_info = ZoneInfo(hours.timezone) if hours is not None else ZoneInfo("UTC")
        if hours is not None:
            self.zone = ZoneInfo(hours.timezone)
            self.days = {DAYS.index(d) for d in hours.days}
            self.start, self.end = clock_time(hours.start), clock_time(hours.end)
            self.holidays = set(hours.holidays)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours in UTC, or None on a day off."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        start = datetime.combine(day, self.start, self.zone).astimezone(timezone.utc)
        end = (datetime.combine(day + timedelta(days=1), time(0), self.zone) if self.end == time.max
               else datetime.combine(day, self.end, self.zone)).astimezone(timezone.utc)
        return start, end

    def _local_day(self, when: datetime) -> date:
        return when.astimezone(self.zone).date()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of business time after `start`."""
        if self.hours is None:
            return start + duration
        left, day = duration, self._local_day(start)
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window is not None:
                begin, end = max(window[0], start), window[1]
                if begin < end:
                    if begin + left <= end:
                        return begin + left
                    left -= end - begin
            day += timedelta(days=1)
        raise ValueError("the business hours leave no working time")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between `start` and `end` (zero if end is earlier)."""
        if end <= start:
            return timedelta(0)
        if self.hours is None:
            return end - start
        total, day, last = timedelta(0), self._local_day(start), self._local_day(end)
        while day <= last:
            window = self._window(day)
            if window is not None:
                begin, finish = max(window[0], start), min(window[1], end)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return total
