"""Claiming outbox rows under a lease, renewing and handing back leases, and
writing outcomes: the part of the outbox worker that decides which process
may carry out which row (bot.publishing.outbox runs them)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, aware
from bot.cluster.identity import NODE_ID, lock_key
from bot.publishing.rows import UNCOUNT
from bot.store import tables as t
from bot.store.db import Database

OUTBOX = t.Outbox.__table__


class OutboxClaims:
    def __init__(self, db: Database, clock: Clock, prefix: str, lane_by: str, holder: str = NODE_ID,
                 lease: float = 30.0) -> None:
        self.db, self.clock, self.prefix, self.lane_by = db, clock, prefix, lane_by
        self.holder, self.lease = holder, timedelta(seconds=lease)
        self.shared = db.engine.dialect.name == "postgresql"  # other processes may claim rows too
        self.stopping = False
        self._renewed = self._recovered = None
        self._confirmed = None  # when the last renewal of this process's leases committed
        self._stale: set[int] = set()  # rows whose outcome could not be written: left to expire

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
        res = await s.execute(stmt.values(status="uncertain", lease_holder=None, lease_until=None, attempts=UNCOUNT)
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
        return await self._hand_back(None)

    async def _hand_back(self, ids: list[int] | None) -> int:
        """Rows of this process (those in `ids`, or all) go back as uncertain, the attempt not counted."""
        stmt = update(t.Outbox).where(t.Outbox.status == "sending", t.Outbox.lease_holder == self.holder,
                                      t.Outbox.kind.startswith(self.prefix))
        if ids is not None:
            stmt = stmt.where(t.Outbox.id.in_(ids))
        async with self.db.transaction() as s:
            res = await s.execute(stmt.values(status="uncertain", lease_holder=None, lease_until=None, attempts=UNCOUNT)
                                  .execution_options(synchronize_session=False))
            return res.rowcount or 0

    async def _settle(self, outcomes: list[tuple[int, dict]]) -> None:
        """Record the outcomes of several rows in one transaction (row id, column
        values), each unless its lease ran out and another process took the row
        over meanwhile: that process's own attempt decides then."""
        groups: dict[tuple, list[dict]] = {}
        for row_id, values in outcomes:  # one statement, run for many rows, per set of columns
            groups.setdefault(tuple(sorted(values)), []).append({"row": row_id, **{f"v_{k}": v for k, v in values.items()}})
        async with self.db.transaction() as s:
            for columns, params in groups.items():
                stmt = (OUTBOX.update()
                        .where(OUTBOX.c.id == bindparam("row"), OUTBOX.c.status == "sending",
                               OUTBOX.c.lease_holder == self.holder)
                        .values(lease_holder=None, lease_until=None, **{k: bindparam(f"v_{k}") for k in columns}))
                await s.execute(stmt, params)
