"""One process at a time carries out an outbox row's effect.

A lease alone cannot promise that. A process can check that its lease has
time left, then stall (a long pause of its loop, a starved machine) past the
end of the lease; another process takes the row over, finds no reply on the
network yet and posts it, and the first wakes up and posts it again. So on
PostgreSQL the effect runs inside a transaction that holds an advisory lock on
the row: a process that cannot take the lock leaves the row alone, and the lock
of a process that dies goes with its connection. A stalled holder then only
delays the row; the process that runs it next is told it may have taken effect
and looks before posting.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from bot.cluster.identity import lock_key
from bot.publishing.rows import LeaseRunningOut
from bot.store.db import Database


class HeldElsewhere(LeaseRunningOut):
    """Another process is carrying out this row right now."""


class EffectLocks:
    def __init__(self, db: Database, shared: bool, at_once: int = 2) -> None:
        """`at_once`: each held lock keeps a pooled connection for the length of
        the effect; the rest of the pool is left to the handlers themselves."""
        self.db, self.shared = db, shared
        self._slots = asyncio.Semaphore(at_once)

    @asynccontextmanager
    async def hold(self, row_id: int) -> AsyncIterator[None]:
        """Run the body as the only process carrying out row `row_id`; raises
        HeldElsewhere when another process holds it."""
        if not self.shared:  # SQLite: one process
            yield
            return
        async with self._slots, self.db.engine.connect() as conn, conn.begin():
            got = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(f"outbox-row:{row_id}")})
            if not got:
                raise HeldElsewhere("another process is carrying it out")
            yield  # the transaction ends after the body, and the lock with it
