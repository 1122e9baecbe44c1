"""The outbox worker: claims due rows (bot.publishing.claims) and carries
them out in lanes, one lane at a time in order, retrying failures with
backoff. The rows themselves and `enqueue` are in bot.publishing.rows."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select

from bot.clock import Clock, aware
from bot.cluster.identity import NODE_ID
from bot.publishing.claims import OutboxClaims
from bot.publishing.effect_lock import EffectLocks, HeldElsewhere
from bot.publishing.rows import FailureHook, Handler, LeaseRunningOut, PermanentFailure, enqueue
from bot.store import tables as t
from bot.store.db import Database

__all__ = ["OutboxWorker", "PermanentFailure", "enqueue"]

log = logging.getLogger(__name__)


class OutboxWorker(OutboxClaims):
    """Runs the rows whose kind starts with `prefix`, oldest first."""

    def __init__(self, db: Database, clock: Clock, prefix: str, handlers: dict[str, Handler],
                 max_attempts: int = 8, base_delay: float = 2.0, max_delay: float = 300.0,
                 lane_by: str = "case", on_failed: FailureHook | None = None,
                 holder: str = NODE_ID, lease: float = 30.0, batch: int = 1) -> None:
        """`lane_by`: "team" keeps each team's channel in order (chat effects);
        "case" lets every case go its own pace (public replies). `holder`
        names this process on the rows it claims, for `lease` seconds at a
        time (renewed while it works on them). `batch`: see below."""
        super().__init__(db, clock, prefix, lane_by, holder, lease)
        self.handlers, self.on_failed = handlers, on_failed
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.poll = 0.25  # seconds between looks while every due lane is busy elsewhere
        self.pace = 0.02  # seconds at least between two claims
        self.wake = asyncio.Event()
        self.ahead = 50  # rows a lane may have waiting here before no more of it is claimed
        # Rows claimed here and not finished, at most: more would be held under a lease nobody
        # works on yet, and thousands of lanes at once starve this process's loop (and its renewals).
        self.window = 200
        self.held = 0
        # Outcomes of a lane are written together, up to `batch` rows or `linger` seconds
        # after the first, for lanes of many quick rows (a chat channel), where one
        # transaction per row costs more than the effect. Rows done and not yet written stay
        # 'sending' (their lane stays here) and, after a crash, are retried as uncertain, like a
        # row cut off mid-flight. 1 (the default) writes each outcome before the next row starts:
        # a slow effect (a CRM call) then never holds back the record of the one before it.
        self.batch, self.linger = batch, 0.2
        self.locks = EffectLocks(db, self.shared)

    def poke(self) -> None:
        self.wake.set()

    @staticmethod
    def _lanes(batch: list[tuple[object, t.Outbox, bool]]) -> dict[object, list[tuple[t.Outbox, bool]]]:
        """Rows of one lane keep their order; a slow lane (a rate-limited
        channel) never holds up another."""
        lanes: dict[object, list[tuple[t.Outbox, bool]]] = {}
        for lane, row, uncertain in batch:
            lanes.setdefault(lane, []).append((row, uncertain))
        return lanes

    async def _run_lane(self, work: list[tuple[t.Outbox, bool]]) -> None:
        loop = asyncio.get_running_loop()
        done: list[tuple[int, dict]] = []  # outcomes not written yet
        first = 0.0
        while work or done:
            row = None
            try:
                if work:
                    row, uncertain = work.pop(0)
                    if len(work) == self.ahead // 2:
                        self.wake.set()  # claim the lane's next rows before these run out
                    async with self.locks.hold(row.id):
                        if not self._still_ours(row):
                            raise LeaseRunningOut("its lease may have run out")
                        values, failure = await self._run(row, uncertain)
                    first = first if done else loop.time()
                    done.append((row.id, values))
                    if failure is not None:  # people hear of it once its outcome is written
                        await self._settle_done(done)
                        failed, row = row, None
                        if self.on_failed is not None:
                            await self.on_failed(failed, failure)
                        continue
                if done and (not work or len(done) >= self.batch or loop.time() - first >= self.linger):
                    await self._settle_done(done)
            except Exception as exc:  # noqa: BLE001 - an outcome not recorded: hand the lane back, never hold it
                # The row being run may be in `done` already: each id once, so `held` stays right.
                ids = list(dict.fromkeys([row_id for row_id, _v in done] + ([row.id] if row is not None else [])
                                         + [r.id for r, _u in work]))
                what = f"{row.kind} #{row.id}" if row is not None else f"{len(done)} rows"
                log.warning("outbox %s: outcome not recorded (%s); handed back", what, exc)
                self.held -= len(ids)
                done.clear()
                work.clear()
                try:
                    await self._hand_back(ids)
                except Exception:  # noqa: BLE001 - then their lease runs out
                    self._stale.update(ids)
                if isinstance(exc, HeldElsewhere):
                    await asyncio.sleep(self.poll)  # its holder is still at it: claim it again a little later

    async def _settle_done(self, done: list[tuple[int, dict]]) -> None:
        # Shielded: a stop that lands meanwhile lets the outcomes commit instead of cutting
        # their transaction off halfway (on SQLite that can leave the write lock held).
        await asyncio.shield(self._settle(list(done)))
        self.held -= len(done)
        done.clear()

    async def run_due(self) -> int:
        """Run every due row once and wait for all of them; returns how many."""
        batch = await self._claim()
        self.held += len(batch)
        await asyncio.gather(*(self._run_lane(work) for work in self._lanes(batch).values()))
        return len(batch)

    async def _run(self, row: t.Outbox, uncertain: bool) -> tuple[dict, str | None]:
        """Carry out one row: (the outcome to record, why it was given up or None)."""
        handler = self.handlers.get(row.kind)
        try:
            if handler is None:
                raise PermanentFailure(f"no handler for {row.kind}")
            result = await handler(row, uncertain)
        except PermanentFailure as exc:
            return self._given_up(row, str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
            log.warning("outbox %s #%s attempt %s failed: %s", row.kind, row.id, row.attempts, exc)
            if row.attempts >= self.max_attempts:
                return self._given_up(row, f"{exc} (after {row.attempts} attempts)")
            delay = min(self.base_delay * 2 ** (row.attempts - 1), self.max_delay)
            return {"status": "uncertain", "last_error": str(exc), "attempts": row.attempts,
                    "next_attempt_at": self.clock.now() + timedelta(seconds=delay)}, None
        return {"status": "sent", "done_at": self.clock.now(), "last_error": None, "result": result,
                "attempts": row.attempts}, None

    def _given_up(self, row: t.Outbox, reason: str) -> tuple[dict, str]:
        log.error("outbox %s #%s failed for good: %s", row.kind, row.id, reason)
        return {"status": "failed", "done_at": self.clock.now(), "last_error": reason, "result": None,
                "attempts": row.attempts}, reason

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
