"""Spike detection on generated series with a daily and weekly rhythm, noise
and spikes of known start: found soon after they start, and quiet weeks
raise no alert."""
from __future__ import annotations

import numpy as np

from bench.spike_data import START, series
from bot.config.insights import Spikes
from bot.insights.spikes import Detector, Settings

SETTINGS = Settings.of(Spikes())  # 5-minute buckets, 30-minute window, 10 minutes sustained
WEEK = 7 * 24 * 12


def first_alert(counts, negatives, lo: int, hi: int) -> int | None:
    detector = Detector(SETTINGS)
    for end in range(lo, hi):
        if detector.evaluate(counts[:end], negatives[:end], START).lasting:
            return end - 1
    return None


def test_a_spike_is_found_within_half_an_hour_of_its_start():
    spike_at = 4 * WEEK + 2 * 24 * 12 + 10 * 12  # Wednesday of week 5, 10:00
    counts, negatives = series(5, 30, [(spike_at, 24, 12.0)])  # +144 an hour (about 5×) for two hours
    found = first_alert(counts, negatives, spike_at - 36, spike_at + 24)
    assert found is not None and 0 <= found - spike_at <= 6  # ≤ 30 minutes


def test_rhythm_and_noise_alone_raise_no_alert():
    counts, negatives = series(5, 30, [], seed=11)
    detector = Detector(SETTINGS)
    alerts = [end for end in range(4 * WEEK, 5 * WEEK, 3)
              if detector.evaluate(counts[:end], negatives[:end], START).lasting]
    assert alerts == []


def test_a_busy_monday_morning_is_not_a_spike():
    # Mondays are twice as busy in the data the baseline learnt from: the seasonal baseline expects it.
    counts, negatives = series(5, 30, [], seed=3)
    for week in range(5):
        monday = week * WEEK + 9 * 12
        counts[monday:monday + 24] *= 2
    detector = Detector(SETTINGS)
    assert not any(detector.evaluate(counts[:end], negatives[:end], START).lasting
                   for end in range(4 * WEEK + 9 * 12, 4 * WEEK + 11 * 12))


def test_a_single_burst_bucket_is_not_lasting():
    at = 4 * WEEK + 3 * 24 * 12 + 14 * 12
    counts, negatives = series(5, 30, [(at, 1, 80.0)], seed=5)
    verdicts = [Detector(SETTINGS).evaluate(counts[:end], negatives[:end], START) for end in (at + 1, at + 2)]
    assert verdicts[0].rising and not verdicts[0].lasting and not verdicts[1].lasting


def test_negative_share_rise_is_told_apart_from_volume():
    counts, negatives = series(5, 60, [], seed=9)
    end = 4 * WEEK + 12 * 12
    negatives[end - 6:end] = counts[end - 6:end]  # the same volume, all of it negative
    verdict = Detector(SETTINGS).evaluate(counts[:end], negatives[:end], START)
    assert verdict.negative_rise and not verdict.lasting
    assert verdict.negative_share > 0.8 and abs(verdict.usual_negative_share - 0.2) < 0.05


def test_the_start_of_a_spike_is_where_it_rose():
    spike_at = 4 * WEEK + 2 * 24 * 12 + 10 * 12
    counts, negatives = series(5, 30, [(spike_at, 24, 12.0)])
    found = first_alert(counts, negatives, spike_at - 36, spike_at + 24)
    verdict = Detector(SETTINGS).evaluate(counts[:found + 1], negatives[:found + 1], START)
    assert abs(verdict.started - spike_at) <= 1


def test_baseline_follows_the_hour_of_the_week():
    counts, negatives = series(5, 30, [], seed=1)
    verdict = Detector(SETTINGS).evaluate(counts[:4 * WEEK + 15 * 12], negatives[:4 * WEEK + 15 * 12], START)
    hourly = np.array(verdict.hourly_expected)
    assert hourly.max() > 3 * hourly.min()  # afternoons far busier than nights
