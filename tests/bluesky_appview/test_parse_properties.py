"""Any listNotifications or getProfiles page, however broken, is read entry by
entry: nothing raises, a bad entry is logged and skipped, good ones come through."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.types import Mention
from integrations.social.bluesky.notif_cursor import NotificationCursor
from integrations.social.bluesky.notif_parse import Notice, parse_notification, parse_profile, to_mention

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=15)
TIMES = (st.datetimes(timezones=st.none() | st.just(timezone.utc) | st.builds(
    lambda h: timezone(timedelta(hours=h)), st.integers(-12, 12))).map(datetime.isoformat)
    | st.sampled_from(["2026-03-01T12:00:00.123Z", "soon", ""]) | JSON)
GOOD = {
    "uri": "at://did:plc:maria/app.bsky.feed.post/3kzabcdefgh22", "cid": "bafyone", "reason": "mention",
    "indexedAt": "2026-03-01T12:00:00.123Z",
    "author": {"did": "did:plc:maria", "handle": "maria.test", "displayName": "Maria"},
    "record": {"$type": "app.bsky.feed.post", "text": "@shop.test hi", "createdAt": "2026-03-01T12:00:00Z"},
}
# A notification with each field either right, a plausible wrong value, or any JSON at all.
NEAR = st.fixed_dictionaries({}, optional={
    "uri": st.sampled_from([GOOD["uri"], "at://did:plc:x/app.bsky.graph.follow/3k", "at://", "https://x"]) | JSON,
    "cid": st.just("bafytwo") | JSON,
    "reason": st.sampled_from(["mention", "reply", "quote", "like", "follow"]) | JSON,
    "indexedAt": TIMES,
    "author": st.fixed_dictionaries({}, optional={
        "did": st.just("did:plc:olek") | JSON, "handle": st.sampled_from(["olek.test", "handle.invalid"]) | JSON,
        "displayName": st.text(max_size=300) | JSON, "verification": JSON}) | JSON,
    "record": st.fixed_dictionaries({}, optional={
        "text": st.text(max_size=50) | JSON, "createdAt": TIMES, "langs": JSON, "reply": JSON, "facets": JSON,
    }) | JSON,
})
PROFILES = st.fixed_dictionaries({}, optional={
    "did": st.just("did:plc:olek") | JSON, "followersCount": st.integers() | JSON,
    "displayName": st.text(max_size=300) | JSON, "verification": JSON}) | JSON


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(NEAR | JSON, max_size=6), profiles=st.lists(PROFILES, max_size=4))
def test_any_page_is_read_entry_by_entry_without_raising(entries, profiles, caplog):
    """What `fetch_new` and `items` do with one page: parse, check the cursor, map, save the cursor."""
    caplog.clear()
    caplog.set_level(logging.WARNING)
    known = dict(filter(None, map(parse_profile, profiles)))
    assert all(p.followers >= 0 for p in known.values())
    state = NotificationCursor(datetime(2026, 3, 1, tzinfo=timezone.utc) - timedelta(hours=1))
    skipped = 0
    for entry in [*entries, GOOD]:
        notice = parse_notification(entry)
        if notice is None:
            skipped += 1
            continue
        assert isinstance(notice, Notice)
        if state.is_new(notice.uri, notice.at):
            state.add(notice.uri, notice.at)
        mention = to_mention(notice, known.get(notice.author_did))
        assert mention is None or isinstance(mention, Mention)
        assert NotificationCursor.parse(state.encode(), "test").floor == state.floor
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) >= skipped  # every entry left out was reported


def test_a_good_entry_among_broken_ones_still_comes_through(caplog):
    caplog.set_level(logging.WARNING)
    page = [None, 7, {"uri": 5}, {**GOOD, "author": "nobody"}, GOOD, {**GOOD, "record": {"text": ["no"]}}]
    notices = [n for n in map(parse_notification, page) if n is not None]
    mentions = [m for m in (to_mention(n, None) for n in notices) if m is not None]
    assert [m.external_id for m in mentions] == [GOOD["uri"]]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 5


@pytest.mark.parametrize("followers", [True, -1, "12", 1.5, None])
def test_a_follower_count_that_is_no_count_becomes_zero(followers):
    assert parse_profile({"did": "did:plc:a", "followersCount": followers})[1].followers == 0
