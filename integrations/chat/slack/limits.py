"""Posting pace and duplicate suppression for the Slack platform.

Slack allows about one message per second per channel with short bursts and
answers HTTP 429 with `Retry-After` beyond that; the Events API redelivers an
event when an ack is late. Both are handled here so the platform code stays
about cards and commands.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RETRY_AFTER = 30.0  # Slack's own fallback when a 429 has no header


def retry_after_seconds(error: SlackApiError) -> float | None:
    """The wait Slack asks for on a 429, or None when it is not a rate limit."""
    response = error.response
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, (list, tuple)) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float
    paused_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ChannelRateLimiter:
    """A token bucket per channel; a 429 pauses that channel for `Retry-After`
    so the retried call and every later post to it wait, while other channels
    carry on."""

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 3,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate limiter needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_attempts = max_attempts
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self.throttled = 0  # 429s seen, for logs and tests

    def _bucket(self, channel: str) -> _Bucket:
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _Bucket(tokens=float(self.burst), refilled_at=self._clock())
        return bucket

    async def _take(self, bucket: _Bucket) -> None:
        while True:
            now = self._clock()
            if now < bucket.paused_until:
                await asyncio.sleep(bucket.paused_until - now)
                continue
            elapsed = now - bucket.refilled_at
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.refilled_at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            await asyncio.sleep((1.0 - bucket.tokens) / self.rate)

    def pause(self, channel: str, seconds: float) -> None:
        bucket = self._bucket(channel)
        now = self._clock()
        bucket.paused_until = max(bucket.paused_until, now + seconds)
        # One call may go as soon as the pause ends, then the normal pace.
        bucket.tokens = 1.0
        bucket.refilled_at = bucket.paused_until

    async def call(self, channel: str, fn: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        """Run one Web API call for `channel` at the allowed pace; a 429 is
        waited out and retried, up to `max_attempts` tries in all.

        One call per channel is in flight at a time: Slack allows about one
        post a second anyway, and it keeps posts in order and lets a 429 hold
        back everything queued behind it."""
        bucket = self._bucket(channel)
        async with bucket.lock:
            for attempt in range(1, self.max_attempts + 1):
                started = self._clock()
                await self._take(bucket)
                if (waited := self._clock() - started) > 0.001:
                    metrics.observe(metrics.RATE_LIMIT_WAITS, waited, platform="slack")
                try:
                    return await fn(**kwargs)
                except SlackApiError as error:
                    wait = retry_after_seconds(error)
                    if wait is None or attempt == self.max_attempts:
                        raise
                    self.throttled += 1
                    log.warning("Slack rate limit on channel %s: waiting %.1f s (try %d)", channel, wait, attempt)
                    self.pause(channel, wait)
        raise AssertionError("unreachable")
