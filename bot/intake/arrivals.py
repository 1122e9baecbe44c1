"""A durable queue for push sources (the webhook): what a sender was told
was accepted is in the database before the answer, and survives a restart.

Each row's id is the source's cursor: the pipeline saves it with the mention
in one transaction, so after a restart the source yields the rows after it.
Rows up to the saved cursor are stored mentions and are deleted now and then."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from sqlalchemy import delete, select

from bot.clock import Clock, SystemClock
from bot.intake.pipeline import load_cursor
from bot.store import tables as t
from bot.store.db import Database

PAGE = 500
PRUNE_EVERY = 1000  # rows yielded between two clean-ups


class Arrivals:
    def __init__(self, db: Database, source: str, clock: Clock | None = None) -> None:
        self.db, self.source, self.clock = db, source, clock or SystemClock()
        self._new = asyncio.Event()
        # Ids must commit in order, or a reader could pass over one committed late:
        # one writer at a time (a push source listens in one process).
        self._writing = asyncio.Lock()

    async def put(self, payloads: list[dict]) -> None:
        """Store the payloads in one transaction; once this returns they are durable."""
        now = self.clock.now()
        async with self._writing, self.db.transaction() as s:
            s.add_all([t.Arrival(source=self.source, payload=p, received_at=now) for p in payloads])
        self._new.set()

    async def _page(self, after: int) -> list[tuple[int, dict]]:
        async with self.db.sessions() as s:
            rows = await s.execute(select(t.Arrival.id, t.Arrival.payload)
                                   .where(t.Arrival.source == self.source, t.Arrival.id > after)
                                   .order_by(t.Arrival.id).limit(PAGE))
            return [(row_id, payload) for row_id, payload in rows.all()]

    async def prune(self) -> int:
        """Delete the rows the pipeline has stored (up to the saved cursor)."""
        saved = await load_cursor(self.db, self.source)
        if not (saved and saved.isdigit()):
            return 0
        async with self.db.transaction() as s:
            done = await s.execute(delete(t.Arrival).where(t.Arrival.source == self.source,
                                                           t.Arrival.id <= int(saved)))
            return done.rowcount

    async def follow(self, cursor: str | None, idle: float = 5.0) -> AsyncIterator[tuple[int, dict]]:
        """Every row after `cursor`, then each new one as it is put; runs until closed."""
        after = int(cursor) if cursor and cursor.isdigit() else 0
        await self.prune()
        since_prune = 0
        while True:
            self._new.clear()
            page = await self._page(after)
            for row_id, payload in page:
                yield row_id, payload
                after = row_id
            since_prune += len(page)
            if since_prune >= PRUNE_EVERY:
                await self.prune()
                since_prune = 0
            if len(page) < PAGE:
                try:
                    async with asyncio.timeout(idle):
                        await self._new.wait()
                except TimeoutError:
                    pass
