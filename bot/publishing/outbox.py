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

from sqlalchemy import case as sql_case, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, aware
from bot.cluster.identity import NODE_ID, lock_key
from bot.store import tables as t
from bot.store.db import Database

log = logging.getLogger(__name__)

# handler(row, uncertain) -> result dict; raise PermanentFailure to stop retrying.
Handler = Callable[[t.Outbox, bool], Awaitable[dict]]
# on_failed(row, reason): told once when a row is given up, so people hear of it.
FailureHook = Callable[[t.Outbox, str], Awaitable[None]]


# A claim counts as an attempt; one whose process stopped or died before the
# outcome was written is taken back, so restarts use up none of a row's attempts.
_UNCOUNT = sql_case((t.Outbox.attempts > 0, t.Outbox.attempts - 1), else_=0)


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


class LeaseRunningOut(Exception):
    """A claimed row's lease may have run out before its turn came."""


class OutboxWorker:
    """Runs the rows whose kind starts with `prefix`, oldest first."""

    def __init__(self, db: Database, clock: Clock, prefix: str, handlers: dict[str, Handler],
                 max_attempts: int = 8, base_delay: float = 2.0, max_delay: float = 300.0,
                 lane_by: str = "case", on_failed: FailureHook | None = None,
                 holder: str = NODE_ID, lease: float = 30.0) -> None:
        """`lane_by`: "team" keeps each team's channel in order (chat effects);
        "case" lets every case go its own pace (public replies). `holder`
        names this process on the rows it claims, for `lease` seconds at a
        time (renewed while it works on them)."""
        self.db, self.clock, self.prefix, self.handlers = db, clock, prefix, handlers
        self.lane_by, self.on_failed = lane_by, on_failed
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.holder, self.lease = holder, timedelta(seconds=lease)
        self.shared = db.engine.dialect.name == "postgresql"  # other processes may claim rows too
        self.stopping = False
        self.poll = 0.25  # seconds between looks while every due lane is busy elsewhere
        self.pace = 0.02  # seconds at least between two claims
        self.wake = asyncio.Event()
        self._renewed = self._recovered = None
        self._confirmed: datetime | None = None  # when the last renewal of this process's leases committed
        self.ahead = 50  # rows a lane may have waiting here before no more of it is claimed
        # Rows claimed here and not finished, at most: more would be held under a lease nobody
        # works on yet, and thousands of lanes at once starve this process's loop (and its renewals).
        self.window = 200
        self.held = 0
        self._stale: set[int] = set()  # rows whose outcome could not be written: left to expire

    def poke(self) -> None:
        self.wake.set()

    async def recover(self) -> int:
        """Rows left 'sending' by a process that is gone are retried as
        uncertain. On a shared database only leases that have run out are
        taken back: a live process's rows are never touched. On SQLite (one
        process) every such row was this process's before a restart."""
        async with self.db.transaction() as s:
            return await self._recover(s)

    async def _recover(self, s: AsyncSession) -> int:
        now = self.clock.now()
        stmt = update(t.Outbox).where(t.Outbox.status == "sending", t.Outbox.kind.startswith(self.prefix))
        if self.shared:
            stmt = stmt.where(or_(t.Outbox.lease_until.is_(None), t.Outbox.lease_until < now))
        res = await s.execute(stmt.values(status="uncertain", lease_holder=None, lease_until=None, attempts=_UNCOUNT)
                              .execution_options(synchronize_session=False))
        self._recovered = now
        return res.rowcount or 0

    async def _claim(self, full: set | frozenset = frozenset(), room: int = 500) -> list[tuple[object, t.Outbox, bool]]:
        """Mark due rows as sending under this process's lease: (lane, row, whether it
        may have taken effect already). On PostgreSQL one process claims at a time (an
        advisory lock), so a lane another process works through is skipped whole and
        keeps its order; SKIP LOCKED keeps claims off rows a transaction still holds.
        Lanes in `full` have rows enough waiting here: claiming more would only
        hold leases on rows nobody works on yet, which run out on a busy machine."""
        if self.stopping:
            return []
        now = self.clock.now()
        async with self.db.transaction() as s:
            busy: set = set(full)
            if self.shared:
                await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("outbox:" + self.prefix)})
                if self._recovered is None or now - self._recovered > timedelta(seconds=1):
                    await self._recover(s)
                lanes = await s.execute(
                    select(t.Outbox.id, t.Outbox.case_id, t.Case.team).outerjoin(t.Case, t.Outbox.case_id == t.Case.id)
                    .where(t.Outbox.status == "sending", t.Outbox.kind.startswith(self.prefix),
                           t.Outbox.lease_holder != self.holder))
                busy |= {self._lane(row_id, case_id, team) for row_id, case_id, team in lanes}
            rows = (
                await s.execute(
                    select(t.Outbox, t.Case.team)
                    .outerjoin(t.Case, t.Outbox.case_id == t.Case.id)
                    .where(t.Outbox.status.in_(("pending", "uncertain")), t.Outbox.kind.startswith(self.prefix),
                           t.Outbox.next_attempt_at <= now)
                    .order_by(t.Outbox.id)
                    .limit(max(room, 1))
                    .with_for_update(of=t.Outbox, skip_locked=True)
                )
            ).all()
            batch = []
            for row, team in rows:
                lane = self._lane(row.id, row.case_id, team)
                if lane in busy:
                    continue
                # A row that was tried before may have taken effect: its handler must look first.
                batch.append((lane, row, row.status == "uncertain" or row.attempts > 0))
                row.status, row.lease_holder, row.lease_until = "sending", self.holder, now + self.lease
                row.attempts += 1  # taken back by recover()/release() if the process stops before the outcome
        return batch

    def _lane(self, row_id: int, case_id: int | None, team: str | None) -> object:
        return (team if self.lane_by == "team" else case_id) or ("row", row_id)

    async def renew(self) -> None:
        """Extend the lease of the rows this process is still working on."""
        now = self.clock.now()
        if self._renewed is not None and now - self._renewed < self.lease / 3:
            return
        self._renewed = now
        async with self.db.transaction() as s:
            await s.execute(update(t.Outbox).where(t.Outbox.status == "sending", t.Outbox.lease_holder == self.holder,
                                                   t.Outbox.kind.startswith(self.prefix), t.Outbox.id.not_in(self._stale))
                            .values(lease_until=now + self.lease).execution_options(synchronize_session=False))
        self._confirmed = now

    def _still_ours(self, row: t.Outbox) -> bool:
        """Whether the row's lease surely has time left: a lease that may have
        run out (this loop was held up past a renewal) may be another process's
        row by now, and running it here could do the effect twice."""
        if not self.shared:
            return True
        until = aware(row.lease_until) if row.lease_until is not None else self.clock.now()
        if self._confirmed is not None:
            until = max(until, self._confirmed + self.lease)
        return self.clock.now() < until - self.lease / 3

    async def release(self) -> int:
        """On shutdown: rows claimed here but not finished go back at once, as uncertain."""
        async with self.db.transaction() as s:
            res = await s.execute(update(t.Outbox).where(t.Outbox.status == "sending",
                                                         t.Outbox.lease_holder == self.holder,
                                                         t.Outbox.kind.startswith(self.prefix))
                                  .values(status="uncertain", lease_holder=None, lease_until=None,
                                          attempts=_UNCOUNT)
                                  .execution_options(synchronize_session=False))
            return res.rowcount or 0

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
            try:
                if not self._still_ours(row):
                    raise LeaseRunningOut("its lease may have run out")
                await self._run(row, uncertain)
                self.held -= 1
            except Exception as exc:  # noqa: BLE001 - an outcome not recorded: hand the lane back, never hold it
                log.warning("outbox %s #%s: outcome not recorded (%s); handed back", row.kind, row.id, exc)
                ids = [row.id] + [r.id for r, _u in work]
                self.held -= len(ids)
                work.clear()
                try:
                    async with self.db.transaction() as s:
                        await s.execute(update(t.Outbox).where(t.Outbox.id.in_(ids), t.Outbox.status == "sending",
                                                               t.Outbox.lease_holder == self.holder)
                                        .values(status="uncertain", lease_holder=None, lease_until=None,
                                                attempts=_UNCOUNT).execution_options(synchronize_session=False))
                except Exception:  # noqa: BLE001 - then their lease runs out
                    self._stale.update(ids)

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
                await self._retry(row.id, str(exc), self.clock.now() + timedelta(seconds=delay), row.attempts)
        else:
            await self._finish(row.id, "sent", result=result, attempts=row.attempts)

    async def _give_up(self, row: t.Outbox, reason: str) -> None:
        log.error("outbox %s #%s failed for good: %s", row.kind, row.id, reason)
        await self._finish(row.id, "failed", error=reason, attempts=row.attempts)
        if self.on_failed is not None:
            await self.on_failed(row, reason)

    async def _finish(self, row_id: int, status: str, *, error: str | None = None, result: dict | None = None,
                      attempts: int | None = None) -> None:
        await self._write(row_id, status=status, done_at=self.clock.now(), last_error=error, result=result,
                          **({"attempts": attempts} if attempts is not None else {}))

    async def _retry(self, row_id: int, error: str, when: datetime, attempts: int) -> None:
        await self._write(row_id, status="uncertain", last_error=error, next_attempt_at=when, attempts=attempts)

    async def _write(self, row_id: int, **values) -> None:
        """Record an outcome, unless the lease ran out and another process took
        the row over meanwhile: its own attempt decides then."""
        async with self.db.transaction() as s:
            await s.execute(update(t.Outbox).where(t.Outbox.id == row_id, t.Outbox.status == "sending",
                                                   t.Outbox.lease_holder == self.holder)
                            .values(lease_holder=None, lease_until=None, **values)
                            .execution_options(synchronize_session=False))

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
        self._running = running
        loop = asyncio.get_running_loop()
        last = loop.time() - self.pace
        try:
            while True:
                # Pokes come with every stored batch: claim at most every
                # `pace` seconds, so a busy pipeline does not cost a claim per batch.
                await asyncio.sleep(max(0.0, last + self.pace - loop.time()))
                last = loop.time()
                self.wake.clear()
                full = {lane for lane, (task, work) in running.items() if not task.done() and len(work) >= self.ahead}
                try:
                    claimed = await self._claim(full, self.window - self.held) if self.held < self.window else []
                    self.held += len(claimed)
                except Exception as exc:  # noqa: BLE001 - the database is away: rows wait, the process stays
                    log.warning("outbox %s: cannot claim rows (%s); trying again shortly", self.prefix, exc)
                    await asyncio.sleep(self.poll * 8)
                    continue
                for lane, work in self._lanes(claimed).items():
                    if lane in running and not running[lane][0].done():
                        running[lane][1].extend(work)  # the lane task picks it up in order
                    else:
                        task = asyncio.create_task(self._run_lane(work))
                        task.add_done_callback(lambda _t: self.wake.set())
                        running[lane] = (task, work)
                for lane in [k for k, (task, _w) in running.items() if task.done()]:
                    del running[lane]
                try:
                    await self.renew()
                    wait = await self.next_due_in()
                except Exception as exc:  # noqa: BLE001 - as above
                    log.warning("outbox %s: %s", self.prefix, exc)
                    wait = self.poll * 8
                if self.stopping:
                    wait = None
                elif wait == 0 and claimed:
                    continue  # maybe more than one claim takes
                elif wait == 0:
                    # Due rows, none claimable: their lanes are busy here or in
                    # another process. Look again shortly rather than spin.
                    wait = self.poll
                # Wake in time to renew the leases and to take over expired ones.
                wait = min(wait if wait is not None else 1e9, self.lease.total_seconds() / 3)
                try:  # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                    async with asyncio.timeout(wait):
                        await self.wake.wait()
                except TimeoutError:
                    pass
        finally:
            # Wait for the cancelled lanes: their transactions roll back before
            # the caller disposes of the database.
            lanes = [task for task, _work in running.values()]
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            try:
                await self.release()
            except Exception:  # noqa: BLE001 - their leases run out instead
                pass

    async def drain(self, timeout: float) -> None:
        """Stop claiming and wait up to `timeout` for the rows in hand; the
        caller then cancels `run_forever`, which hands back what is left."""
        self.stopping = True
        self.wake.set()
        lanes = [task for task, _work in getattr(self, "_running", {}).values() if not task.done()]
        if lanes:
            await asyncio.wait(lanes, timeout=timeout)
