"""The per-channel pace and the duplicate filter."""
from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from integrations.chat.common import RecentKeys
from integrations.chat.slack.limits import ChannelRateLimiter, retry_after_seconds


def slack_error(status: int, headers: dict | None = None, error: str = "ratelimited") -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="http://127.0.0.1/api/chat.postMessage",
                             req_args={}, data={"ok": False, "error": error}, headers=headers or {}, status_code=status)
    return SlackApiError(error, response)


def test_recent_keys_remember_a_bounded_number():
    keys = RecentKeys(max_size=2)
    assert not keys.seen("a") and keys.seen("a")
    keys.seen("b"), keys.seen("c")
    assert len(keys) == 2 and not keys.seen("a"), "the oldest was forgotten"


def test_retry_after_is_read_only_from_a_429():
    assert retry_after_seconds(slack_error(429, {"retry-after": "7"})) == 7
    assert retry_after_seconds(slack_error(429)) == 30
    assert retry_after_seconds(slack_error(200, error="channel_not_found")) is None


async def test_a_burst_goes_at_once_then_the_pace_holds():
    limiter = ChannelRateLimiter(rate=20, burst=2)
    times = []

    async def post():
        times.append(time.monotonic())

    start = time.monotonic()
    for _ in range(4):
        await limiter.call("C1", post)
    assert times[1] - start < 0.04
    assert times[2] - start >= 0.045 and times[3] - start >= 0.095


async def test_a_429_is_waited_out_and_retried():
    limiter = ChannelRateLimiter(rate=100, burst=3)
    attempts = []

    async def post(text):
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise slack_error(429, {"Retry-After": "0.2"})
        return text

    assert await limiter.call("C1", post, text="hi") == "hi"
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 0.19


async def test_other_errors_and_endless_429s_are_raised():
    limiter = ChannelRateLimiter(rate=100, burst=3, max_attempts=2)

    async def not_found():
        raise slack_error(200, error="channel_not_found")

    async def always_limited():
        raise slack_error(429, {"Retry-After": "0"})

    with pytest.raises(SlackApiError, match="channel_not_found"):
        await limiter.call("C1", not_found)
    with pytest.raises(SlackApiError, match="ratelimited"):
        await limiter.call("C2", always_limited)
    assert limiter.throttled == 1


async def test_posts_to_one_channel_keep_their_order():
    limiter = ChannelRateLimiter(rate=1000, burst=1)
    order = []

    async def post(n):
        await asyncio.sleep(0.01 if n == 0 else 0)
        order.append(n)

    await asyncio.gather(*(limiter.call("C1", post, n=n) for n in range(5)))
    assert order == [0, 1, 2, 3, 4]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="rate"):
        ChannelRateLimiter(rate=0)
