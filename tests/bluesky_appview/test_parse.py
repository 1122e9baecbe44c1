"""Reading notification and profile entries one by one: a bad one is skipped, not fatal."""
from __future__ import annotations

import logging

from integrations.social.bluesky.notif_parse import Profile, parse_notification, parse_profile, to_mention

URI = "at://did:plc:maria/app.bsky.feed.post/3kzabcdefgh22"
GOOD = {
    "uri": URI, "cid": "bafyone", "reason": "mention", "indexedAt": "2026-03-01T12:00:00.123Z",
    "author": {"did": "did:plc:maria", "handle": "maria.test", "displayName": "Maria",
               "verification": {"verifiedStatus": "valid"}},
    "record": {"$type": "app.bsky.feed.post", "text": "@shop.test hi", "createdAt": "2026-03-01T12:00:00Z"},
}


def test_a_good_entry_becomes_a_mention_with_the_profile():
    notice = parse_notification(GOOD)
    mention = to_mention(notice, Profile("Maria K.", 1234, False))
    assert (mention.external_id, mention.text, mention.url) == (
        URI, "@shop.test hi", "https://bsky.app/profile/maria.test/post/3kzabcdefgh22")
    assert mention.author.model_dump() == {"handle": "maria.test", "name": "Maria K.", "followers": 1234,
                                           "url": "https://bsky.app/profile/maria.test", "verified": False}


def test_without_a_profile_the_notification_author_is_used():
    mention = to_mention(parse_notification(GOOD), None)
    assert (mention.author.name, mention.author.followers, mention.author.verified) == ("Maria", 0, True)


def test_an_unverified_handle_shows_the_did():
    entry = {**GOOD, "author": {"did": "did:plc:maria", "handle": "handle.invalid"}}
    assert to_mention(parse_notification(entry), None).author.handle == "did:plc:maria"


def test_broken_entries_are_skipped_with_a_reason(caplog):
    caplog.set_level(logging.WARNING)
    assert parse_notification("nonsense") is None
    assert parse_notification({**GOOD, "indexedAt": "soon"}) is None
    assert "field(s) indexedAt missing or invalid" in caplog.text
    assert parse_notification({k: v for k, v in GOOD.items() if k != "author"}) is None
    assert "author.did" in caplog.text
    assert to_mention(parse_notification({**GOOD, "record": {"text": 5}}), None) is None
    assert to_mention(parse_notification({**GOOD, "uri": "at://did:plc:maria/app.bsky.graph.follow/x"}), None) is None


def test_profile_entries():
    assert parse_profile({"did": "did:plc:a", "followersCount": 7, "displayName": "A"}) == (
        "did:plc:a", Profile("A", 7, False))
    assert parse_profile({"did": "did:plc:a", "followersCount": -3})[1].followers == 0
    assert parse_profile({"followersCount": 7}) is None
