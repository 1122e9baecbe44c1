"""Redis Streams bus: consumer groups give at-least-once delivery across
processes. On start a consumer takes over, besides its own unacked entries,
those another consumer of the group has left unacked for `claim_idle_ms`:
the default consumer name holds the process id, so a restarted process is a
new consumer and must claim what the crashed one had read."""
from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import redis.asyncio as redis
from redis.exceptions import ResponseError

from bot.ports import Delivery


class RedisStreamsBus:
    def __init__(self, url: str, prefix: str = "rejoinder", consumer: str | None = None,
                 block_ms: int = 1000, maxlen: int = 1_000_000, claim_idle_ms: int = 60_000) -> None:
        self.client = redis.from_url(url)
        self.prefix, self.block_ms, self.maxlen = prefix, block_ms, maxlen
        self.claim_idle_ms = claim_idle_ms
        self.consumer = consumer or f"{os.uname().nodename}-{os.getpid()}"
        self._closed = False

    def _stream(self, topic: str) -> str:
        return f"{self.prefix}:{topic}"

    async def publish(self, topic: str, payload: dict) -> None:
        await self.client.xadd(self._stream(topic), {"json": json.dumps(payload)}, maxlen=self.maxlen, approximate=True)

    async def _ensure_group(self, stream: str, group: str) -> None:
        try:
            await self.client.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _claim_abandoned(self, stream: str, group: str, count: int) -> None:
        """Make this consumer the owner of entries others read long ago and never acked."""
        start = "0-0"
        while True:
            reply = await self.client.xautoclaim(stream, group, self.consumer, self.claim_idle_ms,
                                                 start_id=start, count=count)
            start = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])  # [next, entries, deleted]
            if start == "0-0":
                return

    async def consume(self, topic: str, group: str) -> AsyncIterator[Delivery]:
        async for batch in self.consume_batches(topic, group, 100):
            for delivery in batch:
                yield delivery

    async def consume_batches(self, topic: str, group: str, max_items: int = 500) -> AsyncIterator[list[Delivery]]:
        stream = self._stream(topic)
        await self._ensure_group(stream, group)
        await self._claim_abandoned(stream, group, max_items)
        # First our own pending entries (a crash before ack), page by page, then new ones.
        cursor = "0"
        while not self._closed:
            pending = cursor != ">"
            reply = await self.client.xreadgroup(group, self.consumer, {stream: cursor}, count=max_items,
                                                 block=None if pending else self.block_ms)
            entries = reply[0][1] if reply else []
            if pending:
                cursor = entries[-1][0].decode() if entries else ">"
            if entries:
                yield [Delivery(topic, json.loads(fields[b"json"]), self._acker(stream, group, entry_id))
                       for entry_id, fields in entries]

    def _acker(self, stream: str, group: str, entry_id: bytes):
        async def ack() -> None:
            await self.client.xack(stream, group, entry_id)

        return ack

    async def close(self) -> None:
        self._closed = True
        await self.client.aclose()
