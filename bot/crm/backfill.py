"""`rejoinder crm backfill`: look up in the CRM every author Rejoinder already
has cases for, then every handle of the built-in directory's customers, and
keep the matches (the card cache, which write-back also reads). Resumable:
the last one done is saved as it goes, so a run cut short (an outage,
Ctrl-C) continues where it stopped."""
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

CURSOR = "crm:backfill"  # authors with cases, by author id
IDENTITIES = "crm:backfill:identities"  # then customers' handles, by identity id


@dataclass(frozen=True)
class Who:
    network: str
    handle: str
    name: str


@dataclass
class BackfillReport:
    matched: int = 0
    unmatched: int = 0
    stopped: str | None = None  # why it stopped early (run again to resume)
    suggestions: list[str] = field(default_factory=list)


def _authors_with_cases(after: int):
    return (select(t.Author.id, t.Author.network, t.Author.handle, t.Author.name)
            .where(t.Author.id > after, t.Author.id.in_(select(t.Mention.author_id).where(t.Mention.case_id.is_not(None))))
            .order_by(t.Author.id))


def _identities(after: int):
    known = select(t.Author.id).where(t.Author.network == t.Identity.network, t.Author.handle == t.Identity.handle)
    return (select(t.Identity.id, t.Identity.network, t.Identity.handle, t.Customer.name)
            .join(t.Customer, t.Customer.id == t.Identity.customer_id)
            .where(t.Identity.id > after, ~known.exists()).order_by(t.Identity.id))


PHASES = ((CURSOR, _authors_with_cases), (IDENTITIES, _identities))


async def _after(s, name: str) -> int:
    row = await s.get(t.Cursor, name)
    return int(row.value) if row else 0


async def pending(db: Database) -> int:
    async with db.sessions() as s:
        total = 0
        for name, query in PHASES:
            total += (await s.execute(select(func.count()).select_from(query(await _after(s, name)).subquery()))).scalar_one()
        return total


async def backfill(db: Database, clock: Clock, reads: CrmReads, progress: Callable[[int], None] = lambda n: None,
                   restart: bool = False) -> BackfillReport:
    report = BackfillReport()
    for name, query in PHASES:
        async with db.sessions() as s:
            after = 0 if restart else await _after(s, name)
        while True:
            async with db.sessions() as s:
                rows = (await s.execute(query(after).limit(100))).all()
            if not rows:
                break
            for row_id, network, handle, who in rows:
                try:
                    result = await reads.update(Who(network, handle, who or ""), None, [])
                except CrmUnavailable as exc:
                    report.stopped = f"{exc} (stopped before {network}:@{handle}; run again to resume)"
                    return report
                if result["status"] == "ok":
                    report.matched += 1
                else:
                    report.unmatched += 1
                after = row_id
                async with db.transaction() as s:
                    await save_cursor(s, name, str(after), clock)
                progress(1)
    return report
