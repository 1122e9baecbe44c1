"""The notifications cursor: late arrivals within the lookback, bounded size, plain errors."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from integrations.social.bluesky.notif_cursor import NotificationCursor

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def uri(n: int) -> str:
    return f"at://did:plc:abc{n}/app.bsky.feed.post/3kz{n:010d}"


def test_round_trip_keeps_floor_and_seen_posts():
    cursor = NotificationCursor(T0, lookback=timedelta(minutes=10))
    cursor.add(uri(1), T0 + timedelta(seconds=5))
    cursor.add(uri(2), T0 + timedelta(seconds=5))  # same instant
    again = NotificationCursor.parse(cursor.encode(), "source 'x'", lookback=timedelta(minutes=10))
    assert again.floor == T0 and again.seen == cursor.seen
    assert not again.is_new(uri(1), T0 + timedelta(seconds=5))
    assert again.is_new(uri(3), T0 + timedelta(seconds=5))


def test_a_late_post_sorted_before_the_newest_is_still_new_within_the_lookback():
    cursor = NotificationCursor(T0, lookback=timedelta(minutes=10))
    cursor.add(uri(1), T0 + timedelta(minutes=30))
    assert cursor.floor == T0 + timedelta(minutes=20)
    assert cursor.is_new(uri(2), T0 + timedelta(minutes=25))  # e.g. its author's clock ran 5 minutes behind
    assert cursor.is_done(T0 + timedelta(minutes=19)) and not cursor.is_new(uri(3), T0 + timedelta(minutes=19))


def test_the_cursor_stays_small_under_load():
    cursor = NotificationCursor(T0, lookback=timedelta(minutes=10), max_seen=50)
    for n in range(200):
        cursor.add(uri(n), T0 + timedelta(milliseconds=n))
    assert len(cursor.seen) == 50
    assert cursor.floor == T0 + timedelta(milliseconds=149, microseconds=1)
    assert not cursor.is_new(uri(120), T0 + timedelta(milliseconds=120))  # forgotten, but below the floor
    assert len(cursor.encode()) < 2000


@pytest.mark.parametrize("text, why", [
    ("1234", "not a version-1 notifications cursor"),
    ('{"v":1,"floor":"yesterday"}', "field 'floor' is not a date"),
    ('{"v":1,"floor":"2026-03-01T12:00:00Z","seen":[["soon","ab"]]}', "entry ['soon', 'ab'] in 'seen'"),
    ("{", "Expecting property name"),
])
def test_a_broken_saved_cursor_is_named(text, why):
    with pytest.raises(ValueError, match=r"Bluesky mentions source 'm': saved cursor .* is unusable \(") as exc:
        NotificationCursor.parse(text, "Bluesky mentions source 'm'")
    assert why in str(exc.value) and "delete it to start again" in str(exc.value)
