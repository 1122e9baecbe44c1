"""`rejoinder crm backfill`: look up in the CRM every author Rejoinder already
has cases for, and keep the match (the card cache, which write-back also
reads). Resumable: the last author done is saved as it goes, so a run cut
short (an outage, Ctrl-C) continues where it stopped."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.clock import Clock
from bot.crm.reads import CrmReads
from bot.intake.pipeline import save_cursor
from bot.ports import CrmUnavailable
from bot.store import tables as t
from bot.store.db import Database

CURSOR = "crm:backfill"


@dataclass
class BackfillReport:
    matched: int = 0
    unmatched: int = 0
    stopped: str | None = None  # why it stopped early (run again to resume)
    suggestions: list[str] = field(default_factory=list)


def _authors_with_cases(after: int):
    return (select(t.Author).where(t.Author.id > after,
                                   t.Author.id.in_(select(t.Mention.author_id).where(t.Mention.case_id.is_not(None))))
            .order_by(t.Author.id))


async def pending(db: Database) -> int:
    async with db.sessions() as s:
        after = int(((await s.get(t.Cursor, CURSOR)) or t.Cursor(value="0")).value)
        return (await s.execute(select(func.count()).select_from(_authors_with_cases(after).subquery()))).scalar_one()


async def backfill(db: Database, clock: Clock, reads: CrmReads, progress: Callable[[int], None] = lambda n: None,
                   restart: bool = False) -> BackfillReport:
    report = BackfillReport()
    async with db.transaction() as s:
        cursor = await s.get(t.Cursor, CURSOR)
        after = 0 if restart or cursor is None else int(cursor.value)
    while True:
        async with db.sessions() as s:
            authors = list((await s.execute(_authors_with_cases(after).limit(100))).scalars())
        if not authors:
            return report
        for author in authors:
            try:
                result = await reads.update(author, None, [])
            except CrmUnavailable as exc:
                report.stopped = f"{exc} (stopped before {author.network}:@{author.handle}; run again to resume)"
                return report
            if result["status"] == "ok":
                report.matched += 1
            else:
                report.unmatched += 1
            after = author.id
            async with db.transaction() as s:
                await save_cursor(s, CURSOR, str(after), clock)
            progress(1)
