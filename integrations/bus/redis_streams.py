"""Redis Streams bus: consumer groups give at-least-once delivery across
processes. Besides its own unacked entries, a consumer takes over, every
`claim_every` seconds (XAUTOCLAIM), those another consumer of the group has
left unacked for `claim_idle_ms`: the default consumer name holds the
process id, so a dead process's entries are picked up by a live one within
about `claim_idle_ms` + `claim_every`, not only when some process starts.

Consumer names do not pile up over restarts: a process that stops removes its
own names that hold nothing, and each look for abandoned entries removes the
names idle for `forget_after_ms` that hold nothing (a killed process's, once
its entries were taken over). A name that holds entries is never removed: they would be lost."""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterator

import orjson
import redis.asyncio as redis
from redis.exceptions import ResponseError

from bot.ports import Delivery

log = logging.getLogger(__name__)


class RedisStreamsBus:
    def __init__(self, url: str, prefix: str = "rejoinder", consumer: str | None = None,
                 block_ms: int = 1000, maxlen: int = 1_000_000, claim_idle_ms: int = 15_000,
                 claim_every: float = 2.0, pack: int = 1, forget_after_ms: int = 900_000) -> None:
        """`pack`: `publish_many` puts up to this many payloads in one stream
        entry, so a busy stream costs Redis and both ends per batch, not per
        mention. Each delivery of a packed entry acks the whole entry: ack
        them together, once all are handled (as `rejoinder run` does)."""
        self.client = redis.from_url(url)
        self.prefix, self.block_ms, self.maxlen = prefix, block_ms, maxlen
        self.claim_idle_ms, self.claim_every, self.pack = claim_idle_ms, claim_every, pack
        self._groups: dict[str, str] = {}  # topic -> group consumed here, for batch acks
        self._names: dict[tuple[str, str], set[bytes]] = {}  # (stream, group) -> consumer names read under here
        self.forget_after_ms = forget_after_ms
        self.consumer = consumer or f"{os.uname().nodename}-{os.getpid()}"
        self._closed = False

    def _stream(self, topic: str) -> str:
        return f"{self.prefix}:{topic}"

    async def publish(self, topic: str, payload: dict) -> None:
        await self.client.xadd(self._stream(topic), {"json": json.dumps(payload)}, maxlen=self.maxlen, approximate=True)

    async def publish_many(self, topic: str, payloads: list[dict]) -> None:
        """In order, in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        for start in range(0, len(payloads), self.pack):
            chunk = payloads[start:start + self.pack]
            body = _dumps(chunk if len(chunk) > 1 else chunk[0])  # a list: a packed entry
            pipe.xadd(self._stream(topic), {"json": body}, maxlen=self.maxlen, approximate=True)
        await pipe.execute()

    async def info(self, topic: str) -> dict:
        """The stream's length and, per consumer group, entries not yet read
        (lag), read but not acked (pending) and consumers."""
        stream = self._stream(topic)
        try:
            length = await self.client.xlen(stream)
            groups = await self.client.xinfo_groups(stream)
        except ResponseError:  # no such stream yet
            return {"stream": stream, "length": 0, "groups": []}

        def text(value):
            return value.decode() if isinstance(value, bytes) else value

        return {"stream": stream, "length": length, "groups": [
            {"name": text(g["name"]), "consumers": g["consumers"], "pending": g["pending"], "lag": g.get("lag"),
             "last_delivered": text(g["last-delivered-id"])} for g in groups]}

    async def ack_batch(self, deliveries: list[Delivery]) -> None:
        """One XACK for a batch (each delivery's own `ack` works too)."""
        by_topic: dict[str, list] = {}
        for d in deliveries:
            by_topic.setdefault(d.topic, {})[d.ack.entry_id] = None  # a packed entry once
        for topic, ids in by_topic.items():
            await self.client.xack(self._stream(topic), self._groups[topic], *ids)

    async def _ensure_group(self, stream: str, group: str) -> None:
        try:
            await self.client.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _claim_page(self, stream: str, group: str, count: int, start: str,
                          consumer: str) -> tuple[str, list]:
        """One page of entries others read at least `claim_idle_ms` ago and
        never acked, now `consumer`'s: (where the next page starts, entries)."""
        reply = await self.client.xautoclaim(stream, group, consumer, self.claim_idle_ms,
                                             start_id=start, count=count)
        nxt = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])  # [next, entries, deleted]
        return nxt, [(entry_id, fields) for entry_id, fields in reply[1] if fields]

    async def consume(self, topic: str, group: str) -> AsyncIterator[Delivery]:
        async for batch in self.consume_batches(topic, group, 100):
            for delivery in batch:
                yield delivery

    async def consume_batches(self, topic: str, group: str, max_items: int = 500,
                              consumer: str | None = None) -> AsyncIterator[list[Delivery]]:
        """`consumer`: the name read under in the group (default: the bus's);
        readers in one process that run side by side each take their own."""
        consumer = consumer or self.consumer
        stream = self._stream(topic)
        self._groups[topic] = group
        await self._ensure_group(stream, group)
        self._names.setdefault((stream, group), set()).add(consumer.encode())
        # First our own pending entries (a crash before ack), page by page, then new ones.
        cursor, claim_from, next_claim, next_forget = "0", "0-0", 0.0, 0.0
        count = max(1, max_items // self.pack)  # entries per read: about `max_items` payloads
        while not self._closed:
            entries = []
            try:
                if time.monotonic() >= next_claim:
                    claim_from, entries = await self._claim_page(stream, group, count, claim_from, consumer)
                    if claim_from == "0-0":  # went through every pending entry: look again later
                        next_claim = time.monotonic() + self.claim_every
                        if next_claim >= next_forget:  # names idle for minutes: a tenth of that is often enough
                            next_forget = next_claim + self.forget_after_ms / 10_000
                            await self._forget(stream, group, lambda c: c["idle"] >= self.forget_after_ms)
                if not entries:
                    pending = cursor != ">"
                    reply = await self.client.xreadgroup(group, consumer, {stream: cursor}, count=count,
                                                         block=None if pending else self._block_ms(next_claim))
                    entries = reply[0][1] if reply else []
                    if pending:
                        cursor = entries[-1][0].decode() if entries else ">"
            except ResponseError as exc:
                if "NOGROUP" not in str(exc) and "no longer exists" not in str(exc):
                    raise
                # The stream was deleted (or Redis lost it): start over on a new one.
                await self._ensure_group(stream, group)
                cursor, claim_from = "0", "0-0"
            if entries:
                yield [Delivery(topic, payload, ack) for entry_id, fields in entries
                       for ack in (self._acker(stream, group, entry_id),) for payload in _payloads(fields)]

    def _block_ms(self, next_claim: float) -> int:
        """Block for new entries, but not past the next look for abandoned ones."""
        return max(1, min(self.block_ms, int((next_claim - time.monotonic()) * 1000)))

    def _acker(self, stream: str, group: str, entry_id: bytes):
        async def ack() -> None:
            await self.client.xack(stream, group, entry_id)

        ack.entry_id = entry_id
        return ack

    async def _forget(self, stream: str, group: str, which) -> None:
        """Remove the group's consumers that `which` picks and that hold no entries."""
        for c in await self.client.xinfo_consumers(stream, group):
            if c["pending"] == 0 and which(c):
                await self.client.xgroup_delconsumer(stream, group, c["name"])

    async def close(self) -> None:
        self._closed = True
        try:
            for (stream, group), ours in self._names.items():
                await self._forget(stream, group, lambda c, ours=ours: c["name"] in ours)
        except (ResponseError, redis.ConnectionError) as exc:  # tidying only: the next start sweeps them
            log.warning("could not remove this process's consumer names: %s", exc)
        await self.client.aclose()


def _dumps(body) -> bytes | str:
    """orjson where it can (several times faster on a packed entry); the
    standard library for what it refuses (a lone surrogate, a huge integer)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body)


def _payloads(fields: dict) -> list[dict]:
    raw = fields[b"json"]
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:  # written by json.dumps: escapes orjson refuses to read
        body = json.loads(raw)
    return body if isinstance(body, list) else [body]
