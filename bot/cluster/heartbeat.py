"""Each running process writes a heartbeat row, so `rejoinder status` can
show what runs where. The row goes when the process stops cleanly; a killed
process's row simply stops being refreshed."""
from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.clock import Clock
from bot.cluster.identity import HOST, NODE_ID
from bot.store import tables as t
from bot.store.db import Database

log = logging.getLogger(__name__)
EVERY = 5.0  # seconds between heartbeats; `status` calls a process gone after 3 missed ones


class Heartbeat:
    def __init__(self, db: Database, clock: Clock, roles: set[str], every: float = EVERY) -> None:
        self.db, self.clock, self.roles, self.every = db, clock, roles, every
        self.started: datetime = clock.now()

    async def beat(self) -> None:
        table = t.Process.__table__
        insert = pg_insert if self.db.engine.dialect.name == "postgresql" else sqlite_insert
        now = self.clock.now()
        stmt = insert(table).values(id=NODE_ID, host=HOST, pid=os.getpid(), roles=",".join(sorted(self.roles)),
                                    started_at=self.started, seen_at=now)
        async with self.db.transaction() as s:
            await s.execute(stmt.on_conflict_do_update(index_elements=[table.c.id], set_={"seen_at": now}))

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.beat()
                except Exception as exc:  # noqa: BLE001 - a missed beat shows in `status`, nothing more
                    log.warning("heartbeat not written: %s", exc)
                await asyncio.sleep(self.every)
        finally:
            try:
                async with self.db.transaction() as s:
                    await s.execute(delete(t.Process).where(t.Process.id == NODE_ID))
            except Exception:  # noqa: BLE001 - the row just goes stale
                pass
