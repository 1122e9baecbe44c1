"""The outbox: every external side effect is a row written in the same
transaction as the change that causes it, then carried out by a worker.

A crash between the two loses nothing (the row stays pending) and a row that
was mid-flight at the crash is retried as *uncertain*, so its handler can
check whether the effect already happened before doing it again."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, aware
from bot.store import tables as t
from bot.store.db import Database

log = logging.getLogger(__name__)

# handler(row, uncertain) -> result dict; raise PermanentFailure to stop retrying.
Handler = Callable[[t.Outbox, bool], Awaitable[dict]]
# on_failed(row, reason): told once when a row is given up, so people hear of it.
FailureHook = Callable[[t.Outbox, str], Awaitable[None]]


class PermanentFailure(Exception):
    pass


def enqueue(session: AsyncSession, kind: str, key: str, now: datetime, *, case: t.Case | None = None,
            case_id: int | None = None, draft_id: int | None = None, payload: dict | None = None) -> t.Outbox:
    """`case` may be a case not flushed yet: the row follows it in the same flush."""
    row = t.Outbox(kind=kind, idempotency_key=key, case_id=case_id, draft_id=draft_id, payload=payload or {},
                   status="pending", attempts=0, next_attempt_at=now, created_at=now)
    if case is not None:
        row.case = case
    session.add(row)
    return row


class OutboxWorker:
    """Runs the rows whose kind starts with `prefix`, oldest first."""

    def __init__(self, db: Database, clock: Clock, prefix: str, handlers: dict[str, Handler],
                 max_attempts: int = 8, base_delay: float = 2.0, max_delay: float = 300.0,
                 lane_by: str = "case", on_failed: FailureHook | None = None) -> None:
        """`lane_by`: "team" keeps each team's channel in order (chat effects);
        "case" lets every case go its own pace (public replies)."""
        self.db, self.clock, self.prefix, self.handlers = db, clock, prefix, handlers
        self.lane_by, self.on_failed = lane_by, on_failed
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.wake = asyncio.Event()

    def poke(self) -> None:
        self.wake.set()

    async def recover(self) -> int:
        """After a crash: rows left 'sending' are retried as uncertain."""
        async with self.db.transaction() as s:
            res = await s.execute(
                update(t.Outbox)
                .where(t.Outbox.status == "sending", t.Outbox.kind.startswith(self.prefix))
                .values(status="uncertain")
            )
            return res.rowcount or 0

    async def _claim(self) -> list[tuple[object, t.Outbox, bool]]:
        """Mark due rows as sending: (lane, row, whether it may have taken effect already)."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            rows = (
                await s.execute(
                    select(t.Outbox, t.Case.team)
                    .outerjoin(t.Case, t.Outbox.case_id == t.Case.id)
                    .where(t.Outbox.status.in_(("pending", "uncertain")), t.Outbox.kind.startswith(self.prefix),
                           t.Outbox.next_attempt_at <= now)
                    .order_by(t.Outbox.id)
                    .limit(500)
                )
            ).all()
            batch = []
            for row, team in rows:
                lane = (team if self.lane_by == "team" else row.case_id) or ("row", row.id)
                # A row that was tried before may have taken effect: its handler must look first.
                batch.append((lane, row, row.status == "uncertain" or row.attempts > 0))
                row.status, row.attempts = "sending", row.attempts + 1
        return batch

    @staticmethod
    def _lanes(batch: list[tuple[object, t.Outbox, bool]]) -> dict[object, list[tuple[t.Outbox, bool]]]:
        """Rows of one lane keep their order; a slow lane (a rate-limited
        channel) never holds up another."""
        lanes: dict[object, list[tuple[t.Outbox, bool]]] = {}
        for lane, row, uncertain in batch:
            lanes.setdefault(lane, []).append((row, uncertain))
        return lanes

    async def _run_lane(self, work: list[tuple[t.Outbox, bool]]) -> None:
        while work:
            row, uncertain = work.pop(0)
            await self._run(row, uncertain)

    async def run_due(self) -> int:
        """Run every due row once and wait for all of them; returns how many."""
        batch = await self._claim()
        await asyncio.gather(*(self._run_lane(work) for work in self._lanes(batch).values()))
        return len(batch)

    async def _run(self, row: t.Outbox, uncertain: bool) -> None:
        handler = self.handlers.get(row.kind)
        try:
            if handler is None:
                raise PermanentFailure(f"no handler for {row.kind}")
            result = await handler(row, uncertain)
        except PermanentFailure as exc:
            await self._give_up(row, str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
            log.warning("outbox %s #%s attempt %s failed: %s", row.kind, row.id, row.attempts, exc)
            if row.attempts >= self.max_attempts:
                await self._give_up(row, f"{exc} (after {row.attempts} attempts)")
            else:
                delay = min(self.base_delay * 2 ** (row.attempts - 1), self.max_delay)
                await self._retry(row.id, str(exc), self.clock.now() + timedelta(seconds=delay))
        else:
            await self._finish(row.id, "sent", result=result)

    async def _give_up(self, row: t.Outbox, reason: str) -> None:
        log.error("outbox %s #%s failed for good: %s", row.kind, row.id, reason)
        await self._finish(row.id, "failed", error=reason)
        if self.on_failed is not None:
            await self.on_failed(row, reason)

    async def _finish(self, row_id: int, status: str, *, error: str | None = None, result: dict | None = None) -> None:
        async with self.db.transaction() as s:
            row = await s.get(t.Outbox, row_id)
            row.status, row.done_at = status, self.clock.now()
            row.last_error, row.result = error, result

    async def _retry(self, row_id: int, error: str, when: datetime) -> None:
        async with self.db.transaction() as s:
            row = await s.get(t.Outbox, row_id)
            row.status, row.last_error, row.next_attempt_at = "uncertain", error, when

    async def next_due_in(self) -> float | None:
        async with self.db.sessions() as s:
            when = (
                await s.execute(
                    select(t.Outbox.next_attempt_at)
                    .where(t.Outbox.status.in_(("pending", "uncertain")), t.Outbox.kind.startswith(self.prefix))
                    .order_by(t.Outbox.next_attempt_at)
                    .limit(1)
                )
            ).scalar_one_or_none()
        if when is None:
            return None
        return max((aware(when) - self.clock.now()).total_seconds(), 0.0)

    async def run_forever(self) -> None:
        """Claim due rows and hand them to per-case lanes without waiting for
        them, so new work is picked up while a slow lane is still busy."""
        await self.recover()
        running: dict[object, tuple[asyncio.Task, list]] = {}
        try:
            while True:
                self.wake.clear()
                for lane, work in self._lanes(await self._claim()).items():
                    if lane in running and not running[lane][0].done():
                        running[lane][1].extend(work)  # the lane task picks it up in order
                    else:
                        task = asyncio.create_task(self._run_lane(work))
                        task.add_done_callback(lambda _t: self.wake.set())
                        running[lane] = (task, work)
                for lane in [k for k, (task, _w) in running.items() if task.done()]:
                    del running[lane]
                wait = await self.next_due_in()
                if wait == 0:
                    continue
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout=wait)
                except TimeoutError:
                    pass
        finally:
            # Wait for the cancelled lanes: their transactions roll back before
            # the caller disposes of the database.
            lanes = [task for task, _work in running.values()]
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
