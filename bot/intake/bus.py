"""The in-process bus: sources publish, the pipeline consumes. The Redis
Streams bus (integrations/bus/redis_streams.py) has the same shape and takes
over when REDIS_URL is set, so several processes can share the work."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bot.ports import Delivery


class InProcessBus:
    """Each (topic, group) gets every message once; unacked messages are
    redelivered to the group when its consumer restarts within the process."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self.maxsize = maxsize
        self._groups: dict[str, dict[str, asyncio.Queue]] = {}
        self._backlog: dict[str, list[dict]] = {}  # published before any group existed
        self._pending: dict[tuple[str, str], dict[int, dict]] = {}
        self._ids = 0
        self._closed = asyncio.Event()

    def _queue(self, topic: str, group: str) -> asyncio.Queue:
        groups = self._groups.setdefault(topic, {})
        if group not in groups:
            q = groups[group] = asyncio.Queue(self.maxsize)
            for payload in self._backlog.pop(topic, []):
                q.put_nowait(payload)
        return groups[group]

    async def publish(self, topic: str, payload: dict) -> None:
        groups = self._groups.get(topic)
        if not groups:
            self._backlog.setdefault(topic, []).append(payload)
            return
        for q in groups.values():
            await q.put(payload)  # back-pressure: a full queue slows the source

    async def consume(self, topic: str, group: str) -> AsyncIterator[Delivery]:
        q = self._queue(topic, group)
        pending = self._pending.setdefault((topic, group), {})
        if pending:  # redeliver what a previous consumer left unacked, ahead of the rest
            waiting = [q.get_nowait() for _ in range(q.qsize())]
            for payload in [*pending.values(), *waiting]:
                q.put_nowait(payload)
            pending.clear()
        while not self._closed.is_set():
            getter = asyncio.ensure_future(q.get())
            closer = asyncio.ensure_future(self._closed.wait())
            done, _ = await asyncio.wait({getter, closer}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                return
            closer.cancel()
            payload = getter.result()
            self._ids += 1
            delivery_id = self._ids
            pending[delivery_id] = payload

            async def ack(delivery_id: int = delivery_id) -> None:
                pending.pop(delivery_id, None)

            yield Delivery(topic, payload, ack)

    async def consume_batches(self, topic: str, group: str, max_items: int = 500) -> AsyncIterator[list[Delivery]]:
        q = self._queue(topic, group)
        deliveries = self.consume(topic, group)
        pending = self._pending.setdefault((topic, group), {})
        async for first in deliveries:
            batch = [first]
            # The rest is ready at once: taken straight off the queue, no wait per item.
            while len(batch) < max_items and not q.empty():
                payload = q.get_nowait()
                self._ids += 1
                pending[self._ids] = payload
                batch.append(Delivery(topic, payload, _acker(pending, self._ids)))
            yield batch

    def backlog(self, topic: str, group: str) -> int:
        return self._queue(topic, group).qsize()

    async def close(self) -> None:
        self._closed.set()


def _acker(pending: dict, delivery_id: int):
    async def ack() -> None:
        pending.pop(delivery_id, None)

    return ack
