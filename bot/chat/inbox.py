"""The chat inbox: a click, a slash command or a thread message is written
here before the platform is acknowledged, then handled by a worker.

A crash after the ack loses nothing: the row is still pending at the next
start and is handled then. Redeliveries (Slack retries an event whose ack was
late; a thread mention arrives as two events) carry the platform's same id and
are dropped by the unique (platform, key). Handling is at least once: a crash
in the middle of it hands the row on when its claim runs out, so commands are
safe to repeat (a repeated approve is a no-op)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.ports import ChatInput
from bot.store import tables as t
from bot.store.db import Database
from bot.store.upsert import insert_if_new

log = logging.getLogger(__name__)

InputHandler = Callable[[ChatInput], Awaitable[None]]
CLAIM = timedelta(minutes=2)  # longer than any command takes (an LLM draft included)
BATCH = 50


class ChatInbox:
    def __init__(self, db: Database, clock: Clock, *, max_attempts: int = 3,
                 retry_delay: timedelta = timedelta(seconds=2), claim: timedelta = CLAIM) -> None:
        self.db, self.clock = db, clock
        self.max_attempts, self.retry_delay, self.claim = max_attempts, retry_delay, claim
        self.handlers: dict[str, InputHandler] = {}
        self.wake = asyncio.Event()
        self.recorded = 0  # new inputs written by this process, for the metrics
        self._running: dict[int, tuple[str, asyncio.Task]] = {}
        self.settled = 0  # inputs this process finished (done or failed)
        self._settled_changed = asyncio.Condition()

    def add_platform(self, name: str, handler: InputHandler) -> None:
        self.handlers[name] = handler

    def poke(self) -> None:
        self.wake.set()

    async def record(self, item: ChatInput) -> bool:
        """Write the input (one short INSERT, well inside Slack's 3 s); False if it was already there."""
        now = self.clock.now()
        row = dict(platform=item.platform, key=item.key[:300], kind=item.kind, lane=item.lane[:200], payload=item.payload,
                   status="pending", attempts=0, received_at=now)
        async with self.db.transaction() as s:
            new = await insert_if_new(s, t.ChatInbox, row, ("platform", "key"))
        if new:
            self.recorded += 1
            self.poke()
        return new

    async def pending(self) -> int:
        async with self.db.sessions() as s:
            rows = await s.execute(select(t.ChatInbox.id).where(t.ChatInbox.status.in_(("pending", "handling"))))
            return len(rows.all())

    async def _due(self) -> list[tuple[int, str]]:
        now = self.clock.now()
        async with self.db.sessions() as s:
            ids = await s.execute(
                select(t.ChatInbox.id, t.ChatInbox.lane)
                .where(t.ChatInbox.platform.in_(list(self.handlers)),
                       or_(t.ChatInbox.status == "pending",
                           (t.ChatInbox.status == "handling") & (t.ChatInbox.claimed_until < now)))
                .order_by(t.ChatInbox.id).limit(BATCH))
            return [tuple(row) for row in ids.all()]

    async def _claim(self, row_id: int) -> t.ChatInbox | None:
        """Take the row unless another worker (or process) holds it, or an
        earlier input of the same person is still waiting or being handled."""
        now = self.clock.now()
        earlier = aliased(t.ChatInbox)
        waits = exists().where(earlier.platform == t.ChatInbox.platform, earlier.lane == t.ChatInbox.lane,
                               earlier.lane != "", earlier.id < t.ChatInbox.id,
                               earlier.status.in_(("pending", "handling")))
        async with self.db.transaction() as s:
            taken = await s.execute(
                update(t.ChatInbox)
                .where(t.ChatInbox.id == row_id, ~waits,
                       or_(t.ChatInbox.status == "pending",
                           (t.ChatInbox.status == "handling") & (t.ChatInbox.claimed_until < now)))
                .values(status="handling", claimed_until=now + self.claim, attempts=t.ChatInbox.attempts + 1))
            if taken.rowcount != 1:
                return None
            return await s.get(t.ChatInbox, row_id)

    async def _finish(self, row_id: int, status: str, error: str | None = None, retry_at=None) -> None:
        async with self.db.transaction() as s:
            await s.execute(update(t.ChatInbox).where(t.ChatInbox.id == row_id).values(
                status=status, error=error, claimed_until=retry_at,
                handled_at=self.clock.now() if status in ("done", "failed") else None))
        if status in ("done", "failed"):
            async with self._settled_changed:
                self.settled += 1
                self._settled_changed.notify_all()

    async def wait_settled(self, count: int, timeout: float = 10) -> None:
        """Until this process has finished `count` inputs (for tests and tools)."""
        async with self._settled_changed:
            async with asyncio.timeout(timeout):
                await self._settled_changed.wait_for(lambda: self.settled >= count)

    async def _handle(self, row: t.ChatInbox) -> None:
        item = ChatInput(row.platform, row.key, row.kind, row.payload, row.lane)
        try:
            await self.handlers[row.platform](item)
        except asyncio.CancelledError:
            raise  # stopping: the claim runs out and the next start handles it
        except Exception as exc:
            log.exception("chat input %s (%s) failed", row.key, row.kind)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= self.max_attempts:
                await self._finish(row.id, "failed", error)
            else:  # tried again once this short claim runs out
                await self._finish(row.id, "handling", error, retry_at=self.clock.now() + self.retry_delay * row.attempts)
            return
        await self._finish(row.id, "done")

    async def handle_due(self, limit: int = 8) -> int:
        """Start what is waiting, oldest first, up to `limit` at a time; the
        number started. Inputs run side by side, as a platform delivers them:
        a modal must open within a click's 3 s even while a long draft runs.
        One person's inputs wait for each other: a double click runs twice in a row."""
        started = 0
        busy = {lane for lane, _ in self._running.values() if lane}
        for row_id, lane in await self._due():
            if row_id in self._running or len(self._running) >= limit or lane in busy:
                continue
            row = await self._claim(row_id)
            if row is None:
                continue
            task = asyncio.create_task(self._handle(row), name=f"chat-input:{row.id}")
            self._running[row_id] = (lane, task)
            if lane:
                busy.add(lane)
            task.add_done_callback(lambda _, row_id=row_id: (self._running.pop(row_id, None), self.poke()))
            started += 1
        return started

    async def idle(self) -> None:
        """Wait for the inputs being handled now."""
        while self._running:
            await asyncio.gather(*[task for _, task in self._running.values()], return_exceptions=True)

    async def prune(self, keep: timedelta = timedelta(days=7)) -> int:
        """Forget handled input older than `keep`; it only guards against redeliveries, which stop within minutes."""
        async with self.db.transaction() as s:
            gone = await s.execute(delete(t.ChatInbox).where(t.ChatInbox.status.in_(("done", "failed")),
                                                            t.ChatInbox.received_at < self.clock.now() - keep))
            return gone.rowcount

    async def run_forever(self, idle: float = 1.0) -> None:
        await self.prune()
        try:
            while True:
                self.wake.clear()
                await self.handle_due()
                try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                    async with asyncio.timeout(idle):
                        await self.wake.wait()
                except TimeoutError:
                    pass
        finally:
            running = [task for _, task in self._running.values()]
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
