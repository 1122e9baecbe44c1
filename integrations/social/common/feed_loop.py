"""The schedule shared by sources that stream with a polling fallback.

Each stream carries some feeds. When a stream connects (and after it drops)
its feeds are caught up by polling from the cursor before any streamed event
is handled, so nothing posted while it was down is lost. While a stream is
down its feeds are polled every `poll_interval` and the stream is retried
with backoff. Feeds without a stream (`polled`) are polled every interval.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bot.ports import SourceItem
from integrations.social.common.stream_bridge import CONNECTED, ENDED, Backoff, ThreadedStream

log = logging.getLogger(__name__)
POLLED = "(polled)"  # the group of feeds no stream carries
REPEAT_SAFE = 60.0  # a connection that lived this long resets the backoff


class FeedLoop:
    def __init__(self, label: str, streams: dict[str, list[str]], polled: list[str], *,
                 open_stream: Callable[[str, asyncio.Queue], ThreadedStream],
                 catch_up: Callable[[list[str]], AsyncIterator[SourceItem]],
                 on_event: Callable[[str, Any], Awaitable[list[SourceItem]]],
                 poll_interval: float, reconnect_delay: float = 1.0, queue_size: int = 1000,
                 retry_floor: Callable[[BaseException | None], float] = lambda error: 0.0) -> None:
        self.label, self.streams = label, dict(streams)
        self.groups = {**self.streams, **({POLLED: list(polled)} if polled else {})}
        self.open_stream, self.catch_up, self.on_event = open_stream, catch_up, on_event
        self.poll_interval, self.reconnect_delay, self.queue_size = poll_interval, reconnect_delay, queue_size
        self.retry_floor = retry_floor

    async def run(self) -> AsyncIterator[SourceItem]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(self.queue_size)
        runners: dict[str, ThreadedStream] = {}
        up: set[str] = set()
        connected_at: dict[str, float] = {}
        backoff = {key: Backoff(self.reconnect_delay) for key in self.streams}
        retry_at = dict.fromkeys(self.streams, 0.0)
        # A starting stream gets one interval to connect (its catch-up runs then) before polling starts.
        poll_at = {key: loop.time() + (self.poll_interval if key in self.streams else 0.0) for key in self.groups}
        try:
            while True:
                now = loop.time()
                for key in self.streams:
                    if key not in runners and retry_at[key] <= now:
                        runners[key] = self.open_stream(key, queue)
                for key, feeds in self.groups.items():
                    if key not in up and poll_at[key] <= now:
                        async for item in self.catch_up(feeds):
                            yield item
                        poll_at[key] = loop.time() + self.poll_interval
                wake = min([retry_at[k] for k in self.streams if k not in runners]
                           + [poll_at[k] for k in self.groups if k not in up], default=now + 3600)
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                    async with asyncio.timeout(max(0.0, wake - loop.time())):
                        event = await queue.get()
                except TimeoutError:
                    continue
                key = event.stream
                if key not in runners:
                    continue
                if event.kind == CONNECTED:
                    up.add(key)
                    connected_at[key] = loop.time()
                    log.info("%s: stream %s connected; catching up", self.label, key)
                    async for item in self.catch_up(self.streams[key]):
                        yield item
                elif event.kind == ENDED:
                    runners.pop(key, None)
                    up.discard(key)
                    if loop.time() - connected_at.pop(key, loop.time()) > REPEAT_SAFE:
                        backoff[key].reset()
                    delay = max(backoff[key].next(), self.retry_floor(event.payload))
                    retry_at[key], poll_at[key] = loop.time() + delay, loop.time()
                    log.warning("%s: stream %s ended (%r); polling, reconnecting in %.1f s",
                                self.label, key, event.payload, delay)
                else:
                    for item in await self.on_event(key, event.payload):
                        yield item
        finally:
            for runner in runners.values():
                runner.stop()
