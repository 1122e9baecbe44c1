"""XPublisher against the local X API: threading, idempotency without an
idempotency key, lost answers, rate limits and X's length rule."""
from __future__ import annotations

import time

import pytest

from bot.ports import Publisher, PublishUncertain, Source
from integrations.social.x.network import XSource
from integrations.social.x.parse import parse_tweet
from tests.emulators.x_api import XEmulator


def target_of(x_api: XEmulator, tweet: dict):
    """The Mention the source would make of `tweet`."""
    stored = x_api.tweets[tweet["id"]]
    return parse_tweet(stored, x_api.users, "test")


def brand_replies(x_api: XEmulator, people, to: str) -> list[dict]:
    return [t for t in x_api.tweets.values() if t["author_id"] == people["tandem"].user["id"]
            and {"type": "replied_to", "id": to} in (t["referenced_tweets"] or [])]


async def test_reply_goes_under_the_tweet(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem where is my order?")
    publisher = make_publisher()
    posted = await publisher.reply(target_of(x_api, sent), "Sorry! Checking now.", "case-1-draft-1")
    made = x_api.tweets[posted.external_id]
    assert (made["text"], made["referenced_tweets"]) == ("Sorry! Checking now.",
                                                         [{"type": "replied_to", "id": sent["id"]}])
    assert made["conversation_id"] == sent["id"] and made["in_reply_to_user_id"] == people["maria"].user["id"]
    assert posted.url == f"https://x.com/tandem/status/{posted.external_id}"
    assert publisher.length_limit == 280
    assert isinstance(publisher, Publisher)


async def test_same_key_posts_once_even_from_a_new_process(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem hello?")
    target = target_of(x_api, sent)
    publisher = make_publisher()
    assert await publisher.find_reply(target, "case-2-draft-1") is None
    first = await publisher.reply(target, "Hi! How can we help?", "case-2-draft-1")
    again = await publisher.reply(target, "Hi! How can we help?", "case-2-draft-1")
    # a new process after a crash: the outbox asks first, and X refuses the same text anyway
    fresh = make_publisher()
    assert await fresh.find_reply(target, "case-2-draft-1") == first
    assert await make_publisher().reply(target, "Hi! How can we help?", "case-2-draft-1") == first
    assert first == again
    assert len(brand_replies(x_api, people, sent["id"])) == 1


async def test_lost_answer_is_found_instead_of_posting_again(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem anyone there?")
    target = target_of(x_api, sent)
    x_api.fail_next("POST /2/tweets", status=503, after_commit=True)
    posted = await make_publisher().reply(target, "Yes, we are here.", "case-3-draft-1")
    assert [t["id"] for t in brand_replies(x_api, people, sent["id"])] == [posted.external_id]


async def test_failure_without_a_post_is_uncertain(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem ping")
    target = target_of(x_api, sent)
    x_api.fail_next("POST /2/tweets", status=503)
    publisher = make_publisher()
    with pytest.raises(PublishUncertain, match="no reply found"):
        await publisher.reply(target, "pong", "case-4-draft-1")
    assert brand_replies(x_api, people, sent["id"]) == []
    assert await publisher.find_reply(target, "case-4-draft-1") is None
    retried = await publisher.reply(target, "pong", "case-4-draft-1")  # the outbox's retry
    assert [t["id"] for t in brand_replies(x_api, people, sent["id"])] == [retried.external_id]


async def test_rate_limited_post_waits_for_the_reset(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem quick question")
    publisher = make_publisher()
    await publisher.connect()
    x_api.fail_next("POST /2/tweets", status=429, reset_in=0.5)
    started = time.monotonic()
    posted = await publisher.reply(target_of(x_api, sent), "Ask away!", "case-5-draft-1")
    assert time.monotonic() - started >= 0.9
    assert [c.status for c in x_api.calls_to("POST", "/2/tweets")][-2:] == [429, 201]
    assert [t["id"] for t in brand_replies(x_api, people, sent["id"])] == [posted.external_id]


async def test_length_is_counted_as_x_counts_it(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem long one")
    publisher = make_publisher()
    link = "https://example.com/" + "x" * 200
    posted = await publisher.reply(target_of(x_api, sent), f"{'a' * 250} {link}", "k1")  # 250 + 1 + 23
    assert posted.external_id in x_api.tweets
    with pytest.raises(ValueError, match="282 characters"):
        await publisher.reply(target_of(x_api, sent), "🔋" * 141, "k2")
    assert len(brand_replies(x_api, people, sent["id"])) == 1


def test_the_classes_fit_the_ports(x_api):
    assert isinstance(XSource("x", "token", "1", []), Source)


async def test_wrong_credentials_are_refused(x_api, people):
    from integrations.social.x.network import XPublisher
    publisher = XPublisher(x_api.consumer_key, "wrong secret", people["tandem"].token, people["tandem"].secret,
                           api_base_url=x_api.url)
    sent = await people["maria"].tweet("@tandem hi")
    with pytest.raises(Exception, match="401"):
        await publisher.reply(target_of(x_api, sent), "hello", "k")


async def test_edited_tweet_is_answered_in_its_latest_version(x_api, people, make_publisher):
    sent = await people["maria"].tweet("@tandem where is my order?")
    latest = await x_api.edit(x_api.tweets[sent["id"]], "@tandem where is my order? It is a week late")
    target = target_of(x_api, latest)  # the original post, in its latest version
    assert (target.external_id, target.reply_ref["reply_to_id"]) == (sent["id"], latest["id"])
    publisher = make_publisher()
    posted = await publisher.reply(target, "Sorry! Checking now.", "case-9-draft-1")
    assert x_api.tweets[posted.external_id]["referenced_tweets"] == [{"type": "replied_to", "id": latest["id"]}]
    assert await make_publisher().find_reply(target, "case-9-draft-1") == posted  # found from a new process
