"""Spike detection on a count series: is the recent window far above what
this hour of this weekday usually brings, and has it stayed so for a while?

The baseline is seasonal: the mean of the same hour of the week (on the
team's wall clock, so a DST change moves nothing) over earlier weeks when at least two weeks are known, else the same hour of the day over
the last week, else a floor. A rise counts when the window holds at least
`min_count` mentions, `min_ratio` times the baseline, and the Poisson chance
of that many under the baseline is below `alpha`; it is *lasting* when that
held at every bucket of the last `sustain`, each of those buckets itself well
above its usual level. The negative share is compared
with its own usual level by a binomial tail in the same way."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from bot.config.insights import Spikes
from bot.insights.zones import local_sources, zone_name

HOUR = 3600


@dataclass(frozen=True)
class Settings:
    bucket_s: int
    window: int  # buckets
    sustain: int  # buckets
    min_count: int
    min_ratio: float
    alpha: float
    negative_rise: float
    floor: float  # per hour

    @classmethod
    def of(cls, cfg: Spikes) -> "Settings":
        from bot.config.workspace import parse_duration

        bucket = int(parse_duration(cfg.bucket).total_seconds())
        if HOUR % bucket:
            raise ValueError("spikes.bucket must divide an hour (e.g. 5m, 10m, 15m)")
        return cls(bucket, max(1, int(parse_duration(cfg.window).total_seconds()) // bucket),
                   max(1, int(parse_duration(cfg.sustain).total_seconds()) // bucket), cfg.min_count, cfg.min_ratio,
                   cfg.alpha, cfg.negative_rise, cfg.floor)


@dataclass
class Verdict:
    rising: bool  # significant at the last bucket
    lasting: bool  # significant at every bucket of the sustain stretch
    count: int  # mentions in the window
    expected: float  # what the baseline expects for the window
    negative_share: float
    usual_negative_share: float | None  # None: too little history to tell
    negative_rise: bool
    started: int | None  # bucket index where the lasting stretch began
    hourly: list[int] = field(default_factory=list)  # the last 24 h, per hour
    hourly_expected: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected else float("inf")


def _shifted_mean(hourly: np.ndarray, step: int, times: int, back=None) -> tuple[np.ndarray, np.ndarray]:
    """Per hour: the mean of the values `step`, 2×`step`… `times`×`step` hours earlier, and how many there were.
    `back(hours)`, when given, names for each hour the one that many *local* hours earlier (DST-aware)."""
    n = len(hourly)
    total, seen = np.zeros(n), np.zeros(n)
    for k in range(1, times + 1):
        lag = step * k
        if lag >= n:
            break
        if back is None:
            total[lag:] += hourly[:-lag]
            seen[lag:] += 1
        else:
            src = back(lag)
            has = src >= 0
            total[has] += hourly[src[has]]
            seen[has] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, total / np.maximum(seen, 1), 0.0), seen


def hourly_baseline(hourly: np.ndarray, floor: float, start: datetime | None = None,
                    zone: ZoneInfo | None = None) -> np.ndarray:
    """Expected count for every hour of `hourly`, from the hours before it only.
    The hour of the day and of the week are the team's wall clock (`zone`, from
    `start`, the first hour): across a DST change last week's 09:00 is 167 or
    169 hours back, not 168."""
    hourly = hourly.astype(float)
    back = None
    if zone is not None and start is not None and zone_name(zone) != "UTC":
        def back(lag: int) -> np.ndarray:
            return local_sources(start, len(hourly), zone, lag)
    weekly, weeks = _shifted_mean(hourly, 168, 4, back)
    daily, days = _shifted_mean(hourly, 24, 7, back)
    if back is None:
        last_week = np.concatenate([np.zeros(min(168, len(hourly))), hourly[:-168]])[: len(hourly)]
    else:
        src = back(168)
        last_week = np.where(src >= 0, hourly[np.maximum(src, 0)], 0.0)
    # Two weeks or more: the same hour of the week. Less: the same hour of the
    # day, half-weighted with last week's same slot when there is one.
    expected = np.where(weeks >= 2, weekly, np.where(weeks == 1, 0.5 * daily + 0.5 * last_week, daily))
    expected = np.where((weeks == 0) & (days == 0), floor, expected)
    return np.maximum(expected, floor)


class Detector:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.per_hour = HOUR // settings.bucket_s

    def _significant(self, count: int, expected: float) -> bool:
        s = self.s
        if count < s.min_count or count < s.min_ratio * expected:
            return False
        from scipy.stats import poisson  # a second of start-up and 60 MB: only once a count is high

        return float(poisson.sf(count - 1, max(expected, 1e-9))) < s.alpha

    def evaluate(self, counts: np.ndarray, negatives: np.ndarray, start: datetime,
                 zone: ZoneInfo | None = None) -> Verdict:
        """`counts[i]`: mentions in bucket i from `start` (aligned to the hour); the last is now's.
        `zone`: the team's timezone, whose wall clock the seasonal baseline follows (default UTC)."""
        s, per = self.s, self.per_hour
        pad = (-len(counts)) % per
        padded = np.concatenate([counts, np.zeros(pad)])
        hourly = padded.reshape(-1, per).sum(axis=1)
        expected_h = hourly_baseline(hourly, s.floor, start, zone)
        expected_b = np.repeat(expected_h / per, per)[: len(counts)]
        cum, cum_e = np.concatenate([[0], np.cumsum(counts)]), np.concatenate([[0], np.cumsum(expected_b)])

        def window_at(end: int) -> tuple[int, float]:  # buckets [end - window, end)
            lo = max(0, end - s.window)
            return int(cum[end] - cum[lo]), float(cum_e[end] - cum_e[lo])

        n = len(counts)
        marks = [self._significant(*window_at(end)) for end in range(max(1, n - s.sustain + 1), n + 1)]
        count, expected = window_at(n)
        neg = int(negatives[-s.window:].sum())
        history_n, history_neg = int(counts[:-s.window].sum()), int(negatives[:-s.window].sum())
        known = history_n >= 20
        usual = history_neg / history_n if known else 0.2  # a prior until there is history
        share = neg / count if count else 0.0
        neg_rise = (count >= s.min_count and share - usual >= s.negative_rise
                    and _binomial_tail(neg, count, usual) < s.alpha)
        # Lasting: the window is significant at every bucket of the sustain
        # stretch, and each of those buckets is itself well above its usual
        # level, so one burst that lingers in the window is not mistaken for a rise.
        recent = counts[-s.sustain:] >= s.min_ratio * expected_b[-s.sustain:]
        lasting = len(marks) >= s.sustain and all(marks) and bool(recent.all())
        last_hours = hourly[-24:]
        started = None
        if lasting:  # back to the first bucket of the rise, at most a window and the sustain stretch back
            started = n - s.sustain
            while (started > max(0, n - s.sustain - s.window) and counts[started - 1] > 0
                   and counts[started - 1] >= s.min_ratio * expected_b[started - 1]):
                started -= 1
        return Verdict(rising=bool(marks and marks[-1]), lasting=lasting, count=count, expected=expected,
                       negative_share=share, usual_negative_share=usual if known else None, negative_rise=neg_rise,
                       started=started,
                       hourly=[int(v) for v in last_hours], hourly_expected=[round(float(v), 2) for v in expected_h[-24:]])


def _binomial_tail(neg: int, count: int, usual: float) -> float:
    from scipy.stats import binom

    return float(binom.sf(neg - 1, count, max(usual, 0.05)))


def aligned_start(now: datetime, history: timedelta) -> datetime:
    """The first bucket's start: `history` before now, on the hour."""
    return (now - history).replace(minute=0, second=0, microsecond=0)
