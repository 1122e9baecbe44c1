"""RedditPublisher (praw) against the local Reddit emulator."""
from __future__ import annotations

import pytest

from bot.publishing.outbox import PermanentFailure
from bot.ports import PublishUncertain
from integrations.social.reddit.network import RedditPublisher
from integrations.social.reddit.things import to_mention
from tests.social_reddit.conftest import AGENT, BRAND, PASSWORD, make_source
from tests.social_rss.drain import Drain


def target(emu, fullname: str):
    thing = emu.things[fullname]
    mention = to_mention(thing["kind"], thing["data"], emu.base_url)
    assert not isinstance(mention, str), mention
    return mention


def comment_posts(emu) -> int:
    return len(emu.requests_to("/api/comment", "POST"))


async def test_reply_to_a_submission_and_to_a_comment(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme drill broke")
    comment = reddit.add_comment(post, "olek", "mine too, acme")
    on_post = await publisher.reply(target(reddit, post), "Sorry to hear that! DM us your order number.", "k-1")
    on_comment = await publisher.reply(target(reddit, comment), "Same for you, Olek.", "k-2")
    [first] = reddit.comments_by(BRAND, parent=post)
    [second] = reddit.comments_by(BRAND, parent=comment)
    assert (first["body"], second["body"]) == ("Sorry to hear that! DM us your order number.", "Same for you, Olek.")
    assert (on_post.network, on_post.external_id) == ("reddit", first["name"])
    assert on_post.url == reddit.base_url + first["permalink"]
    assert on_comment.external_id == second["name"] and second["link_id"] == post


async def test_the_same_key_twice_posts_one_comment(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    once = await publisher.reply(target(reddit, post), "Hello!", "same-key")
    twice = await publisher.reply(target(reddit, post), "Hello!", "same-key")
    assert once == twice
    assert len(reddit.comments_by(BRAND)) == 1 and comment_posts(reddit) == 1


async def test_a_lost_answer_is_found_instead_of_posting_again(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    reddit.script("/api/comment", 500, commit=True)  # the comment is made; the answer is a 500
    posted = await publisher.reply(target(reddit, post), "Hello!", "k-lost")
    [made] = reddit.comments_by(BRAND, parent=post)
    assert posted.external_id == made["name"]
    assert comment_posts(reddit) == 1  # prawcore's own retry of the POST is suppressed
    assert reddit.requests_to(f"/user/{BRAND}/comments")


async def test_a_failed_post_is_uncertain_then_find_reply_and_a_retry_post_once(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    reddit.script("/api/comment", 503)  # nothing was made
    with pytest.raises(PublishUncertain, match="no reply is visible"):
        await publisher.reply(target(reddit, post), "Hello!", "k-retry")
    assert await publisher.find_reply(target(reddit, post), "k-retry") is None
    posted = await publisher.reply(target(reddit, post), "Hello!", "k-retry")
    assert [c["name"] for c in reddit.comments_by(BRAND)] == [posted.external_id]


async def test_after_a_restart_find_reply_sees_the_earlier_reply(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    other = reddit.add_submission("acme", "olek", "acme too")
    await publisher.reply(target(reddit, other), "Hi Olek", "k-other")
    posted = await publisher.reply(target(reddit, post), "Hi Maria", "k-post")
    restarted = RedditPublisher(reddit.client_id, reddit.client_secret, AGENT, BRAND, PASSWORD,
                                base_url=reddit.base_url)
    try:
        assert await restarted.find_reply(target(reddit, post), "k-post") == posted
        lonely = reddit.add_submission("acme", "lee", "acme, anyone?")
        assert await restarted.find_reply(target(reddit, lonely), "k-lonely") is None
    finally:
        await restarted.close()


async def test_a_429_is_waited_out_and_the_reply_posted_once(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    reddit.rate_limit("/api/comment", reset=1)
    await publisher.reply(target(reddit, post), "Hello!", "k-429")
    statuses = [c.status for c in reddit.requests_to("/api/comment", "POST")]
    assert statuses == [429, 200] and len(reddit.comments_by(BRAND)) == 1


async def test_refusals_are_permanent(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    reddit.things[post]["data"]["locked"] = True
    with pytest.raises(PermanentFailure, match="THREAD_LOCKED"):
        await publisher.reply(target(reddit, post), "Hello!", "k-locked")
    with pytest.raises(PermanentFailure, match="10000"):
        await publisher.reply(target(reddit, post), "x" * 10_001, "k-long")
    foreign = target(reddit, post).model_copy(update={"network": "bluesky", "reply_ref": {}})
    with pytest.raises(PermanentFailure, match="not a Reddit submission"):
        await publisher.reply(foreign, "Hello!", "k-foreign")
    assert reddit.comments_by(BRAND) == [] and comment_posts(reddit) == 1


async def test_a_mention_from_the_source_can_be_answered(reddit, publisher):
    post = reddit.add_submission("acme", "maria", "acme?")
    comment = reddit.add_comment(post, "olek", "acme pls")
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: comment in drain.ids)
    finally:
        await drain.stop()
    await publisher.reply(drain.mentions[-1], "On it!", "k-source")
    [made] = reddit.comments_by(BRAND)
    assert made["parent_id"] == comment
