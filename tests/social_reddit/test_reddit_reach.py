"""Kept Reddit mentions carry their authors' followers (`/user/<name>/about`),
looked up once per author and hour, and never at the price of listening."""
from __future__ import annotations

import logging

from tests.social_reddit.conftest import make_source
from tests.social_rss.drain import Drain

REACH_LOG = "integrations.social.reddit.reach"


class Clock:
    """Time for the follower cache, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lookup_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == REACH_LOG and r.levelno >= logging.WARNING]


def followers(drain: Drain) -> dict[str, int]:
    return {m.external_id: m.author.followers for m in drain.mentions}


async def test_kept_mentions_carry_followers_and_noise_costs_no_lookup(reddit):
    reddit.followers.update(maria=1234, olek=5, loud=90_000)
    post = reddit.add_submission("acme", "maria", "Acme drill broke")
    reddit.add_submission("acme", "loud", "my new drill")  # noise, however many followers
    comment = reddit.add_comment(post, "olek", "same with my acme saw")
    reddit.add_comment(post, "loud", "sorry to hear that")
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: len(drain.mentions) == 2)
    finally:
        await drain.stop()
    assert followers(drain) == {post: 1234, comment: 5}
    assert [c.path for c in reddit.lookups()] == ["/user/maria/about", "/user/olek/about"]
    assert not reddit.lookups("loud")


async def test_one_lookup_per_author_and_hour(reddit):
    reddit.followers["maria"] = 1234
    first = [reddit.add_submission("acme", "maria", "acme one"), reddit.add_submission("acme", "Maria", "acme two")]
    source = make_source(reddit)
    source.reach.clock = clock = Clock()
    drain = Drain(source)
    try:
        await drain.until(lambda: len(drain.mentions) == 2)
        reddit.followers["maria"] = 2000
        clock.now += 3500
        within = reddit.add_submission("acme", "maria", "acme three")
        source.poll_now()
        await drain.until(lambda: within in drain.ids)
        assert len(reddit.lookups()) == 1
        clock.now += 200  # past the hour since the lookup
        later = reddit.add_submission("acme", "maria", "acme four")
        source.poll_now()
        await drain.until(lambda: later in drain.ids)
    finally:
        await drain.stop()
    assert followers(drain) == {first[0]: 1234, first[1]: 1234, within: 1234, later: 2000}
    assert len(reddit.lookups("maria")) == 2


async def test_a_failing_lookup_leaves_zero_warns_once_and_pauses_lookups(reddit, caplog):
    reddit.followers.update(maria=1234, olek=5)
    reddit.fail_lookups(times=1, status=503)
    post = reddit.add_submission("acme", "maria", "acme is down?")
    comment = reddit.add_comment(post, "olek", "acme for me too")
    source = make_source(reddit)
    source.reach.clock = clock = Clock()
    drain = Drain(source)
    try:
        await drain.until(lambda: len(drain.mentions) == 2)
        assert followers(drain) == {post: 0, comment: 0}
        # One request, not prawcore's three with sleeps between them; none while paused.
        assert [(c.path, c.status) for c in reddit.lookups()] == [("/user/maria/about", 503)]
        assert len(lookup_warnings(caplog)) == 1 and "u/maria" in lookup_warnings(caplog)[0]
        clock.now += 61
        again = reddit.add_comment(post, "olek", "acme is back")
        source.poll_now()
        await drain.until(lambda: again in drain.ids)
    finally:
        await drain.stop()
    assert followers(drain)[again] == 5
    assert len(lookup_warnings(caplog)) == 1


async def test_a_429_on_a_lookup_holds_back_every_request_until_the_reset(reddit, caplog):
    reddit.followers.update(maria=1234, olek=5)
    reddit.rate_limit("/user/*/about", reset=1)
    post = reddit.add_submission("acme", "maria", "acme question")
    source = make_source(reddit, poll_interval=0.05)
    drain = Drain(source)
    try:
        await drain.until(lambda: post in drain.ids)
        await reddit.wait_for(lambda: len(reddit.requests_to("/r/acme/comments")) >= 1)
        later = reddit.add_submission("acme", "olek", "acme again")
        await drain.until(lambda: later in drain.ids)
    finally:
        await drain.stop()
    assert followers(drain) == {post: 0, later: 0}
    [limited] = reddit.lookups()  # olek is not looked up while lookups are paused
    assert limited.status == 429
    after = [c for c in reddit.calls if c.at > limited.at]
    assert after and all(c.at - limited.at >= 1.0 for c in after)
    assert len(lookup_warnings(caplog)) == 1 and "rate limited" in lookup_warnings(caplog)[0]


async def test_deleted_missing_and_suspended_authors_count_zero_quietly(reddit, caplog):
    reddit.suspended.add("banned_one")
    reddit.script("/user/shadow/about", 404)  # shadowbanned or deleted since posting
    post = reddit.add_submission("acme", "[deleted]", "acme post by someone gone")
    kept = [post, reddit.add_comment(post, "banned_one", "acme spam"), reddit.add_comment(post, "shadow", "acme?"),
            reddit.add_comment(post, "banned_one", "more acme spam")]
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: len(drain.mentions) == 4)
    finally:
        await drain.stop()
    assert followers(drain) == dict.fromkeys(kept, 0)
    assert [(c.path, c.status) for c in reddit.lookups()] == [("/user/banned_one/about", 200),
                                                             ("/user/shadow/about", 404)]
    assert not lookup_warnings(caplog) and not drain.problems


async def test_the_cache_holds_a_bounded_number_of_authors(reddit):
    reddit.followers.update(a1=1, a2=2)
    names = ["a1", "a2", "a1"]
    posts = [reddit.add_submission("acme", n, f"acme by {n}") for n in names]
    source = make_source(reddit)
    source.reach.max_size = 1
    drain = Drain(source)
    try:
        await drain.until(lambda: len(drain.mentions) == 3)
    finally:
        await drain.stop()
    assert followers(drain) == dict(zip(posts, [1, 2, 1]))
    assert [c.path for c in reddit.lookups()] == ["/user/a1/about", "/user/a2/about", "/user/a1/about"]
