"""Batched upserts for the customer and order import: a batch of rows is a
handful of statements in one transaction. A batch the database refuses is
stored again row by row, so only the refused row is reported and lost."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.db import Database
from bot.store.upsert import insert_ignoring_duplicates

BATCH = 1000  # rows per transaction
# Core statements, built once: the ORM's bulk paths cost more per row than the database does.
_CUSTOMERS, _ORDERS = t.Customer.__table__, t.Order.__table__
_UPDATE_CUSTOMER = update(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("row_id"))
_INSERT_CUSTOMER = insert(_CUSTOMERS).returning(_CUSTOMERS.c.email, _CUSTOMERS.c.id)
_UPDATE_ORDER = update(_ORDERS).where(_ORDERS.c.id == bindparam("row_id"))


class Problems:
    """Bad rows by line; the report lists them in file order."""

    def __init__(self, name: str) -> None:
        self.name, self.found = name, []

    def add(self, line: int, message: str) -> None:
        self.found.append((line, message))

    def sorted(self) -> list[str]:
        return [f"{self.name}:{line}: {message}" for line, message in sorted(self.found, key=lambda p: p[0])]


Batch = list[tuple[int, object]]
StoreBatch = Callable[[AsyncSession, Batch, Problems], Awaitable[int]]


def _reason(exc: DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or ["error"])[0][:200]


async def store_batch(db: Database, store: StoreBatch, batch: Batch, problems: Problems) -> int:
    """Rows stored; the problems of a batch count only once it is committed."""
    found = Problems(problems.name)
    try:
        async with db.transaction() as s:
            stored = await store(s, batch, found)
        problems.found += found.found
        return stored
    except DBAPIError:
        pass
    stored = 0
    for line, row in batch:
        found = Problems(problems.name)
        try:
            async with db.transaction() as s:
                stored += await store(s, [(line, row)], found)
            problems.found += found.found
        except DBAPIError as exc:
            problems.add(line, f"the database refused this row: {_reason(exc)}")
    return stored


async def _ids_by_email(s: AsyncSession, emails: set[str]) -> dict[str, int]:
    rows = await s.execute(select(func.lower(t.Customer.email), t.Customer.id)
                           .where(func.lower(t.Customer.email).in_(list(emails))))
    return dict(rows.all())


async def store_customers(s: AsyncSession, batch: Batch, problems: Problems) -> int:
    ids = await _ids_by_email(s, {row.email.lower() for _, row in batch})
    pairs = {pair for _, row in batch for pair in row.handles}
    owners: dict[tuple[str, str], object] = {}
    if pairs:
        found = await s.execute(select(t.Identity.network, t.Identity.handle, t.Identity.customer_id)
                                .where(t.Identity.handle.in_({h for _, h in pairs})))
        owners = {(n, h): cid for n, h, cid in found if (n, h) in pairs}
    known = dict(owners)  # the identities already stored
    chosen: dict[str, object] = {}  # lower(email) -> the row that wins (the last one)
    stored = 0
    for line, row in batch:
        email = row.email.lower()
        me = ids.get(email, email)  # a new customer is known by its email until it has an id
        taken = next((p for p in row.handles if owners.get(p, me) != me), None)
        if taken:
            problems.add(line, f"handles: {taken[0]}:{taken[1]} already belongs to another customer")
            continue
        owners.update({p: me for p in row.handles})
        chosen[email] = row
        stored += 1
    values = [dict(name=r.name, phone=r.phone, tier=r.tier, lifetime_value=r.lifetime_value) for r in chosen.values()]
    now = datetime.now(timezone.utc)
    old = [dict(v, row_id=ids[e]) for e, v in zip(chosen, values) if e in ids]
    new = [dict(v, email=r.email, created_at=now) for (e, r), v in zip(chosen.items(), values) if e not in ids]
    if old:
        await s.execute(_UPDATE_CUSTOMER, old)
    if new:
        made = await s.execute(_INSERT_CUSTOMER, new)
        ids.update({email.lower(): cid for email, cid in made.all()})
    identities = [dict(network=n, handle=h, customer_id=ids[me] if isinstance(me, str) else me)
                  for (n, h), me in owners.items() if (n, h) not in known]
    await insert_ignoring_duplicates(s, t.Identity.__table__, identities, ("network", "handle"))
    return stored


async def store_orders(s: AsyncSession, batch: Batch, problems: Problems) -> int:
    ids = await _ids_by_email(s, {row.email.lower() for _, row in batch})
    existing = dict((await s.execute(select(t.Order.number, t.Order.id)
                                     .where(t.Order.number.in_({row.number for _, row in batch})))).all())
    chosen: dict[str, dict] = {}
    stored = 0
    for line, row in batch:
        cid = ids.get(row.email.lower())
        if cid is None:
            problems.add(line, f"email: no customer with email {row.email}")
            continue
        chosen[row.number] = dict(customer_id=cid, placed_at=row.placed_at, total=row.total,
                                  currency=row.currency, status=row.status)
        stored += 1
    old = [dict(v, row_id=existing[n]) for n, v in chosen.items() if n in existing]
    new = [dict(v, number=n) for n, v in chosen.items() if n not in existing]
    if old:
        await s.execute(_UPDATE_ORDER, old)
    if new:
        await s.execute(insert(_ORDERS), new)
    return stored
