"""A process that stalls mid-effect past the end of its lease: the process
that takes the row over must not carry it out at the same time. It waits for
the stalled one, then looks before doing anything (PostgreSQL: several processes)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.publishing.outbox import OutboxWorker, enqueue
from bot.store import tables as t
from tests.core.harness import make_world, mention


async def test_a_row_taken_over_from_a_stalled_holder_is_not_done_twice(postgres_url, tmp_path):
    w = await make_world(postgres_url, tmp_path)
    db = w.db
    try:
        [opened] = await w.core.pipeline.ingest([mention(1, "@acme my order is broken")])
        async with db.transaction() as s:
            enqueue(s, "test.op", "k", w.clock.now(), case_id=opened.case_id)
        posted: list[str] = []  # the outside world: what was really posted, by whom
        stalled, wake = asyncio.Event(), asyncio.Event()

        async def stalls(row, uncertain):
            stalled.set()
            await wake.wait()  # checked its lease, then held up past its end
            posted.append("first")
            return {}

        first = OutboxWorker(db, w.clock, "test.", {"test.op": stalls}, holder="first", lease=2.0)
        running = asyncio.create_task(first.run_due())
        await stalled.wait()
        # Its lease runs out while it is held up; another process takes the row over.
        async with db.transaction() as s:
            await s.execute(update(t.Outbox).where(t.Outbox.kind == "test.op")
                            .values(lease_until=w.clock.now() - timedelta(seconds=1)))

        async def looks_first(row, uncertain):
            if uncertain and posted:
                return {"found": True}
            posted.append("second")
            return {}

        second = OutboxWorker(db, w.clock, "test.", {"test.op": looks_first}, holder="second", lease=2.0)
        assert await second.recover() == 1
        second.poll = 0.0
        assert await second.run_due() == 1  # claimed, but the first still holds the effect: handed back
        assert posted == []
        wake.set()
        await running  # the first posts; its outcome is not written, the row is no longer its own
        assert posted == ["first"]
        assert await second.run_due() == 1  # now it runs, as uncertain, and finds the reply
        async with db.sessions() as s:
            row = (await s.execute(select(t.Outbox).where(t.Outbox.kind == "test.op"))).scalars().one()
        assert posted == ["first"] and row.status == "sent" and row.result == {"found": True}
    finally:
        await db.close()
