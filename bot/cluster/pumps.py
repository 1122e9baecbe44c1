"""Source → bus, under a lease: a source is read by one process of the
cluster at a time; the others wait to take it over if its holder dies.

Items are published in batches of whatever is waiting (one round trip to
the bus per batch, not per mention), in the source's order. Each carries the
lease's fencing token, and the cursor travels with it: the pipeline saves
the cursor in the same transaction as the mention."""
from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing

from bot.cluster.leases import Leases
from bot.intake.pipeline import load_cursor_seq
from bot.ports import Bus, Source
from bot.store.db import Database

log = logging.getLogger(__name__)
TOPIC = "mentions"
BATCH = 1000
LINGER = 0.2  # seconds; what a mention may wait for company before it is published


async def publish_all(bus: Bus, topic: str, payloads: list[dict]) -> None:
    many = getattr(bus, "publish_many", None)
    if many is not None:
        await many(topic, payloads)
    else:
        for payload in payloads:
            await bus.publish(topic, payload)


class SourcePump:
    def __init__(self, source: Source, db: Database, bus: Bus, leases: Leases, poll: float | None = None,
                 retry: float = 5.0) -> None:
        self.source, self.db, self.bus, self.leases = source, db, bus, leases
        self.poll = poll if poll is not None else max(leases.ttl / 5, 0.2)  # how often a waiting process asks
        self.retry = retry
        self.token: int | None = None
        self.seq = 0  # order of the last item sent; only grows, also across restarts of the source
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        """Hold the lease and pump; on losing it, stop pumping and wait to win it
        again. Stopping (or being cancelled) hands the lease back at once."""
        name = self.source.name
        lease = f"source:{name}"
        while not self.stopping.is_set():
            try:
                token = await self.leases.acquire(lease)
            except Exception as exc:  # noqa: BLE001 - the database is away: ask again later
                log.warning("source %s: cannot reach the lease table (%s); retrying", name, exc)
                token = None
            if token is None:
                await self._sleep(self.poll)
                continue
            self.token, held = token, True
            log.info("source %s: reading here (fencing token %s)", name, token)
            worker = asyncio.create_task(self._pump_forever(token), name=f"pump:{name}")
            lost = self.leases.keep(lease, token)  # renewed from a thread, whatever this loop is busy with
            try:
                await _first(lost.wait(), self.stopping.wait())
                if lost.is_set():
                    log.warning("source %s: lease lost to another process; stopped reading", name)
                    held = False
            finally:
                self.leases.drop(lease)
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
                self.token = None
                if held:
                    try:
                        await self.leases.release(lease, token)
                    except Exception:  # noqa: BLE001 - it runs out on its own
                        pass

    async def _sleep(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self.stopping.wait()
        except TimeoutError:
            pass

    async def _pump_forever(self, token: int) -> None:
        """A source that fails is started again from the saved cursor after a
        pause; one that ends (a replay file) keeps its lease until shutdown,
        so no other process reads it again."""
        while True:
            try:
                await self.pump(token)
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged, then retried: one source must not stop the others
                log.exception("source %s failed; starting it again in %.0f s", self.source.name, self.retry)
                await asyncio.sleep(self.retry)

    async def pump(self, token: int = 0) -> None:
        source = self.source
        cursor, saved = await load_cursor_seq(self.db, source.name)
        self.seq = max(self.seq, saved)  # after a restart (token 0 on SQLite) items count on from the saved one
        waiting = _Waiting()
        sender = asyncio.create_task(self._send(waiting), name=f"send:{source.name}")
        name, network = source.name, source.network
        try:
            async with aclosing(source.items(cursor)) as items:  # closing stops a source's threads promptly
                async for item in items:
                    if sender.done():
                        sender.result()  # the bus failed: raise it here
                    self.seq += 1
                    mention = item.mention
                    if waiting.add({
                        "source": name, "cursor": item.cursor, "deleted_id": item.deleted_id,
                        "network": network, "token": token, "seq": self.seq, "edited": item.edited,
                        # As JSON text: parsed by pydantic-core in one step, with the batch's others.
                        "mention": None if mention is None else item.json or mention.model_dump_json(),
                    }):
                        await waiting.room.wait()  # back-pressure: the bus is behind
            waiting.close()
            await sender  # returns once everything is published
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    async def _send(self, waiting: "_Waiting") -> None:
        """Publish what is waiting, after lingering up to LINGER seconds for a
        fuller batch: the pipeline pays per batch (a few round trips to the
        database), so a fast source must not hand it a trickle of tiny ones."""
        try:
            while True:
                await waiting.some.wait()
                if not waiting.items:  # closed, and everything is published
                    return
                if not waiting.full.is_set():
                    try:
                        async with asyncio.timeout(LINGER):
                            await waiting.full.wait()
                    except TimeoutError:
                        pass
                await publish_all(self.bus, TOPIC, waiting.take())
        finally:
            waiting.room.set()  # a source waiting for room sees this task has ended


class _Waiting:
    """Payloads waiting to be published, taken a batch at a time: a queue
    operation per item costs more than the item."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.some, self.full, self.room = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.room.set()
        self.closed = False

    def add(self, payload: dict) -> bool:
        """Add one; True when the source must wait for `room`."""
        items = self.items
        items.append(payload)
        if len(items) < BATCH:
            if len(items) == 1:
                self.some.set()
            return False
        self.full.set()
        if len(items) < 4 * BATCH:
            return False
        self.room.clear()
        return True

    def take(self) -> list[dict]:
        batch, self.items = self.items[:BATCH], self.items[BATCH:]
        left = len(self.items)
        if left < BATCH and not self.closed:
            self.full.clear()
            if not left:
                self.some.clear()
        self.room.set()
        return batch

    def close(self) -> None:
        """No more items: the sender publishes the rest at once and ends."""
        self.closed = True
        self.some.set()
        self.full.set()


async def _first(*waits) -> None:
    """Until the first of `waits` ends; the others are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
