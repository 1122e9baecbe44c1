"""MastodonPublisher against the local Mastodon: threading, visibility,
the author's @-mention, idempotency, uncertain attempts and rate limits."""
from __future__ import annotations

import time

import pytest

from bot.ports import Publisher, PublishUncertain, Source
from integrations.social.mastodon.network import MastodonSource
from integrations.social.mastodon.network import MastodonPublisher
from integrations.social.mastodon.parse import parse_status
from tests.emulators.mastodon import MastodonEmulator


@pytest.fixture
def publisher(mastodon: MastodonEmulator, people) -> MastodonPublisher:
    return MastodonPublisher(mastodon.url, people["tandem"].token)


async def target_of(mastodon: MastodonEmulator, person, text: str, visibility: str = "public"):
    """A post by `person` and the Mention the source would make of it."""
    status = await person.toot(text, visibility=visibility)
    return status, parse_status(mastodon.public(mastodon.statuses[status["id"]]), "test")


def brand_replies(mastodon: MastodonEmulator, people, to: str) -> list[dict]:
    return [s for s in mastodon.statuses.values()
            if s["account"]["id"] == people["tandem"].account["id"] and s["in_reply_to_id"] == to]


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
async def test_reply_threads_under_the_post_with_the_same_visibility(mastodon, people, publisher, visibility):
    status, target = await target_of(mastodon, people["maria"], "@tandem where is my order?", visibility)
    posted = await publisher.reply(target, "Sorry! Checking right now.", "case-1-draft-1")

    made = mastodon.statuses[posted.external_id]
    assert (made["in_reply_to_id"], made["visibility"]) == (status["id"], visibility)
    assert made["text"] == "@maria Sorry! Checking right now."
    assert made["language"] == "en"
    assert posted.url == f"https://social.test/@tandem/{posted.external_id}"
    note = mastodon.notifications[people["maria"].account["id"]][-1]
    assert note["status"]["id"] == posted.external_id  # the author is notified


async def test_remote_author_is_mentioned_in_full_and_never_twice(mastodon, people, publisher):
    _, target = await target_of(mastodon, people["olek"], "@tandem@social.test broken chain")
    assert target.author.handle == "olek@other.test"
    first = await publisher.reply(target, "Sorry to hear that!", "case-2-draft-1")
    second = await publisher.reply(target, "@Olek@other.test we sent a new one.", "case-2-draft-2")
    assert mastodon.statuses[first.external_id]["text"] == "@olek@other.test Sorry to hear that!"
    assert mastodon.statuses[second.external_id]["text"] == "@Olek@other.test we sent a new one."


async def test_same_key_posts_once_and_a_new_key_posts_again(mastodon, people, publisher):
    status, target = await target_of(mastodon, people["maria"], "@tandem hello?")
    assert await publisher.find_reply(target, "case-3-draft-1") is None
    first = await publisher.reply(target, "Hi! How can we help?", "case-3-draft-1")
    again = await publisher.reply(target, "Hi! How can we help?", "case-3-draft-1")
    fresh = await MastodonPublisher(mastodon.url, people["tandem"].token).reply(target, "Hi!", "case-3-draft-1")
    assert first == again == fresh
    assert len(brand_replies(mastodon, people, status["id"])) == 1
    other = await publisher.reply(target, "One more thing", "case-3-draft-2")
    assert other.external_id != first.external_id
    assert len(brand_replies(mastodon, people, status["id"])) == 2


async def test_lost_answers_are_retried_and_then_found(mastodon, people, publisher):
    status, target = await target_of(mastodon, people["maria"], "@tandem anyone there?")
    # The server makes the post but both answers are lost (503 after the work).
    mastodon.fail_next("POST /api/v1/statuses", times=2, status=503, after_commit=True)
    posted = await publisher.reply(target, "Yes, we are here.", "case-4-draft-1")
    assert [s["id"] for s in brand_replies(mastodon, people, status["id"])] == [posted.external_id]
    # after a crash, a new process asks before posting again
    found = await MastodonPublisher(mastodon.url, people["tandem"].token).find_reply(target, "case-4-draft-1")
    assert found == posted


async def test_failure_without_a_post_is_uncertain(mastodon, people, publisher):
    status, target = await target_of(mastodon, people["maria"], "@tandem ping")
    mastodon.fail_next("POST /api/v1/statuses", times=2, status=503)
    with pytest.raises(PublishUncertain, match="failed twice"):
        await publisher.reply(target, "pong", "case-5-draft-1")
    assert brand_replies(mastodon, people, status["id"]) == []
    assert await publisher.find_reply(target, "case-5-draft-1") is None


async def test_rate_limited_post_waits_for_the_reset(mastodon, people, publisher):
    status, target = await target_of(mastodon, people["maria"], "@tandem quick question")
    await publisher.connect()
    mastodon.fail_next("POST /api/v1/statuses", status=429, reset_in=1.0)
    started = time.monotonic()
    posted = await publisher.reply(target, "Ask away!", "case-6-draft-1")
    assert time.monotonic() - started >= 0.9
    assert [c.status for c in mastodon.calls_to("POST", "/api/v1/statuses")][-2:] == [429, 200]
    assert [s["id"] for s in brand_replies(mastodon, people, status["id"])] == [posted.external_id]


def test_the_classes_fit_the_ports(mastodon, people):
    assert isinstance(MastodonPublisher(mastodon.url, "token"), Publisher)
    assert isinstance(MastodonSource("m", mastodon.url, "token", [], []), Source)


async def test_length_limit_comes_from_the_instance_and_counts_like_mastodon(people):
    emulator = await MastodonEmulator(max_characters=60).start()
    try:
        brand, token = emulator.add_account("tandem")
        maria, _ = emulator.add_account("maria")
        publisher = MastodonPublisher(emulator.url, token)
        assert publisher.length_limit == 500
        await publisher.connect()
        assert publisher.length_limit == 60
        status = await emulator.post(maria, "@tandem help")
        target = parse_status(emulator.public(status), "test")
        link = "https://example.com/" + "x" * 80  # counts as 23
        ok = await publisher.reply(target, f"See {link} for the fix.", "k1")  # 7 + 4 + 23 + 13 = 47
        assert emulator.statuses[ok.external_id]["text"].endswith("for the fix.")
        with pytest.raises(ValueError, match="61 characters .* at most 60"):
            await publisher.reply(target, "x" * 54, "k2")  # "@maria " + 54
    finally:
        await emulator.close()
