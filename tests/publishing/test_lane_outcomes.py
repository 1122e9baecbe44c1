"""A lane's outcomes written several rows to a transaction: every row still
ends with its own outcome, a failure is still retried and counted, and rows
done whose outcome was not written yet go back as uncertain, to be looked
for before they are done again."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.publishing.outbox import OutboxWorker, enqueue
from bot.store import tables as t
from bot.store.db import Database
from tests.core.harness import make_world, mention


async def _rows(db: Database) -> list[t.Outbox]:
    async with db.sessions() as s:
        return list((await s.execute(select(t.Outbox).where(t.Outbox.kind == "test.op").order_by(t.Outbox.id))).scalars())


async def _world(database_url, tmp_path, n: int):
    """A world with one case (so one team's lane) and `n` rows queued for it."""
    w = await make_world(database_url, tmp_path)
    [opened] = await w.core.pipeline.ingest([mention(1, "@acme my order is broken")])
    async with w.db.transaction() as s:
        for i in range(n):
            enqueue(s, "test.op", f"k{i}", w.clock.now(), case_id=opened.case_id, payload={"i": i})
    return w


async def test_a_lane_of_quick_rows_writes_outcomes_together_and_each_row_gets_its_own(database_url, tmp_path):
    w = await _world(database_url, tmp_path, 12)
    db = w.db
    try:
        seen: list[int] = []

        async def handler(row, uncertain):
            seen.append(row.payload["i"])
            if row.payload["i"] == 5:
                raise ConnectionError("the network is away")
            return {"i": row.payload["i"]}

        worker = OutboxWorker(db, w.clock, "test.", {"test.op": handler}, lane_by="team", batch=50)
        writes: list[int] = []
        settle = worker._settle

        async def counted(outcomes):
            writes.append(len(outcomes))
            await settle(outcomes)

        worker._settle = counted
        assert await worker.run_due() == 12
        assert seen == list(range(12))  # one team's lane: in order
        rows = await _rows(db)
        assert [r.status for r in rows] == ["sent"] * 5 + ["uncertain"] + ["sent"] * 6
        assert [r.result for r in rows if r.status == "sent"] == [{"i": i} for i in range(12) if i != 5]
        assert rows[5].attempts == 1 and "network is away" in rows[5].last_error
        assert all(r.lease_holder is None for r in rows) and worker.held == 0
        assert sum(writes) == 12 and len(writes) < 12  # several outcomes a transaction
    finally:
        await db.close()


async def test_rows_done_but_not_recorded_at_a_crash_are_looked_for_again_not_redone(database_url, tmp_path):
    w = await _world(database_url, tmp_path, 3)
    db = w.db
    try:
        stuck = asyncio.Event()
        done_effects: list[int] = []

        async def slow_third(row, uncertain):
            if row.payload["i"] == 2:
                stuck.set()
                await asyncio.Event().wait()  # the process dies here
            done_effects.append(row.payload["i"])
            return {}

        first = OutboxWorker(db, w.clock, "test.", {"test.op": slow_third}, lane_by="team", batch=50,
                             holder="first")
        running = asyncio.create_task(first.run_due())
        await stuck.wait()
        # Rows 0 and 1 took effect; their outcomes wait for the batch: still 'sending', the lane still here.
        assert [r.status for r in await _rows(db)] == ["sending"] * 3
        running.cancel()  # the process dies: nothing more is written, its leases run out
        await asyncio.gather(running, return_exceptions=True)
        async with db.transaction() as s:
            await s.execute(update(t.Outbox).where(t.Outbox.lease_holder == "first").values(lease_until=w.clock.now()))
        w.clock.advance(timedelta(minutes=1))

        looked: list[tuple[int, bool]] = []

        async def careful(row, uncertain):
            looked.append((row.payload["i"], uncertain))
            return {"found": row.payload["i"] in done_effects} if uncertain else {}

        second = OutboxWorker(db, w.clock, "test.", {"test.op": careful}, lane_by="team", holder="second")
        assert await second.recover() == 3
        assert await second.run_due() == 3
        assert looked == [(0, True), (1, True), (2, True)]  # each one checked before being done again
        rows = await _rows(db)
        assert [r.result for r in rows] == [{"found": True}, {"found": True}, {"found": False}]
        assert [r.attempts for r in rows] == [1, 1, 1]  # the cut-short attempt is not counted
    finally:
        await db.close()
