"""Generated mention series for spike detection: a daily and weekly rhythm,
Poisson noise, and spikes of known start, length and size."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

START = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday, on the hour
BUCKET_S = 300


def local_hours(index: np.ndarray, start: datetime, zone: ZoneInfo | None) -> np.ndarray:
    """Hours since `start` on the wall clock of `zone` (UTC when None): a DST change skips or repeats an hour."""
    hours = index * BUCKET_S / 3600.0
    if zone is None:
        return hours
    whole = np.unique(np.floor(hours).astype(int))
    offset = {h: (start + timedelta(hours=int(h))).astimezone(zone).utcoffset().total_seconds() / 3600 for h in whole}
    first = start.astimezone(zone).utcoffset().total_seconds() / 3600
    return hours + np.array([offset[int(h)] for h in np.floor(hours)]) - first


def rate_per_bucket(index: np.ndarray, base_per_hour: float, zone: ZoneInfo | None = None,
                    start: datetime = START) -> np.ndarray:
    """The usual rate: busy afternoons, quiet nights and weekends, on the wall clock of `zone`
    (`start` is a Monday midnight there)."""
    hours = local_hours(index, start, zone)
    hour_of_day, day = hours % 24, (hours // 24) % 7
    daily = 0.35 + 0.65 * np.clip(np.sin((hour_of_day - 6) / 24 * 2 * math.pi), 0, None) * 1.6
    weekly = np.where(day >= 5, 0.55, 1.0)  # quieter weekends
    return base_per_hour * daily * weekly * BUCKET_S / 3600.0


def series(weeks: int, base_per_hour: float, spikes: list[tuple[int, int, float]], seed: int = 7,
           negative_share: float = 0.2, zone: ZoneInfo | None = None,
           start: datetime = START) -> tuple[np.ndarray, np.ndarray]:
    """(counts, negatives) per 5-minute bucket from START. `spikes`: (start bucket, length in buckets, extra
    per bucket). `zone`: the audience's timezone, whose days the rhythm follows (UTC when None)."""
    rng = np.random.default_rng(seed)
    n = weeks * 7 * 24 * 3600 // BUCKET_S
    rate = rate_per_bucket(np.arange(n), base_per_hour, zone, start)
    for start, length, extra in spikes:
        rate[start:start + length] += extra
    counts = rng.poisson(rate)
    negatives = rng.binomial(counts, negative_share)
    return counts.astype(float), negatives.astype(float)
