"""Batched upserts for the customer and order import: a batch of rows is a
handful of statements in one transaction. A batch the database refuses is
stored again row by row, so only the refused row is reported and lost.

On PostgreSQL each statement takes its rows as a few arrays (`unnest`): one
prepared statement per kind of write, whatever the batch size, instead of a
multi-row VALUES list SQLAlchemy renders and the server parses per batch."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.db import Database
from bot.store.lists import ByDialect
from bot.store.upsert import insert_ignoring_duplicates

BATCH = 5000  # rows per transaction
# Core statements, built once: the ORM's bulk paths cost more per row than the database does.
_CUSTOMERS, _ORDERS = t.Customer.__table__, t.Order.__table__
_UPDATE_CUSTOMER = update(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("row_id"))
_INSERT_CUSTOMER = insert(_CUSTOMERS).returning(_CUSTOMERS.c.email, _CUSTOMERS.c.id)
_UPDATE_ORDER = update(_ORDERS).where(_ORDERS.c.id == bindparam("row_id"))
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
_IDS_BY_EMAIL = ByDialect(lambda within: select(func.lower(t.Customer.email), t.Customer.id)
                          .where(within(func.lower(t.Customer.email), "emails")))
_OWNERS = ByDialect(lambda within: select(t.Identity.network, t.Identity.handle, t.Identity.customer_id)
                    .where(within(t.Identity.handle, "handles")))
_ORDER_IDS = ByDialect(lambda within: select(t.Order.number, t.Order.id).where(within(t.Order.number, "numbers")))
# PostgreSQL: every row of a batch in one statement, its columns bound as arrays.
# A join on the unnested list, not `= ANY(array)`: a prepared statement's generic
# plan cannot use the lower(email) index for an array it does not know yet.
_PG_IDS_BY_EMAIL = text("SELECT lower(c.email), c.id FROM unnest(CAST(:emails AS text[])) AS e(v) "
                        "JOIN customers AS c ON lower(c.email) = e.v")
_PG_INSERT_CUSTOMERS = text(
    "INSERT INTO customers (name, phone, tier, lifetime_value, email, created_at) "
    "SELECT n, p, t, v, e, :now FROM unnest(CAST(:name AS text[]), CAST(:phone AS text[]), CAST(:tier AS text[]), "
    "CAST(:lifetime_value AS float8[]), CAST(:email AS text[])) AS u(n, p, t, v, e) RETURNING email, id")
_PG_UPDATE_CUSTOMERS = text(
    "UPDATE customers SET name = u.n, phone = u.p, tier = u.t, lifetime_value = u.v "
    "FROM unnest(CAST(:name AS text[]), CAST(:phone AS text[]), CAST(:tier AS text[]), "
    "CAST(:lifetime_value AS float8[]), CAST(:row_id AS int[])) AS u(n, p, t, v, i) WHERE customers.id = u.i")
_PG_INSERT_IDENTITIES = text(
    "INSERT INTO identities (network, handle, customer_id) SELECT * FROM unnest(CAST(:network AS text[]), "
    "CAST(:handle AS text[]), CAST(:customer_id AS int[])) ON CONFLICT (network, handle) DO NOTHING")
_PG_INSERT_ORDERS = text(
    "INSERT INTO orders (customer_id, placed_at, total, currency, status, number) SELECT * FROM "
    "unnest(CAST(:customer_id AS int[]), CAST(:placed_at AS timestamptz[]), CAST(:total AS float8[]), "
    "CAST(:currency AS text[]), CAST(:status AS text[]), CAST(:number AS text[]))")
_PG_UPDATE_ORDERS = text(
    "UPDATE orders SET customer_id = u.c, placed_at = u.p, total = u.t, currency = u.cu, status = u.s "
    "FROM unnest(CAST(:customer_id AS int[]), CAST(:placed_at AS timestamptz[]), CAST(:total AS float8[]), "
    "CAST(:currency AS text[]), CAST(:status AS text[]), CAST(:row_id AS int[])) AS u(c, p, t, cu, s, i) "
    "WHERE orders.id = u.i")


def _columns(rows: list[dict]) -> dict[str, list]:
    """Rows as one list per column, for the array-bound statements."""
    return {key: [row[key] for row in rows] for key in rows[0]}


def _postgres(s: AsyncSession) -> bool:
    return s.bind.dialect.name == "postgresql"


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


async def store_batch(db: Database, store: StoreBatch, batch: Batch, problems: Problems,
                      durable: bool = True) -> int:
    """Rows stored; the problems of a batch count only once it is committed.
    A batch the database refuses is split in halves until the refused row is
    alone, so one bad row costs a few more transactions, not one per row.

    `durable=False` (PostgreSQL) commits without waiting for the disk: the
    import is reported only after its last batch, committed durably, which
    flushes the earlier ones with it."""
    found = Problems(problems.name)
    try:
        async with db.transaction() as s:
            if not durable and _postgres(s):
                await s.execute(_ASYNC_COMMIT)
            stored = await store(s, batch, found)
        problems.found += found.found
        return stored
    except DBAPIError as exc:
        if len(batch) == 1:
            problems.add(batch[0][0], f"the database refused this row: {_reason(exc)}")
            return 0
    half = len(batch) // 2
    return (await store_batch(db, store, batch[:half], problems, durable)
            + await store_batch(db, store, batch[half:], problems, durable))


async def make_durable(db: Database) -> None:
    """Wait until every batch committed with `durable=False` is on disk: a
    transaction with an id commits durably, and the log is flushed in order."""
    async with db.transaction() as s:
        if _postgres(s):
            await s.execute(text("SELECT txid_current()"))


async def _ids_by_email(s: AsyncSession, emails: set[str]) -> dict[str, int]:
    stmt = _PG_IDS_BY_EMAIL if _postgres(s) else _IDS_BY_EMAIL.on(s)
    rows = await s.execute(stmt, {"emails": list(emails)})
    return dict(rows.all())


async def store_customers(s: AsyncSession, batch: Batch, problems: Problems) -> int:
    ids = await _ids_by_email(s, {row.email.lower() for _, row in batch})
    pairs = {pair for _, row in batch for pair in row.handles}
    owners: dict[tuple[str, str], object] = {}
    if pairs:
        found = await s.execute(_OWNERS.on(s), {"handles": list({h for _, h in pairs})})
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
    pg = _postgres(s)
    if old:
        await s.execute(_PG_UPDATE_CUSTOMERS if pg else _UPDATE_CUSTOMER, _columns(old) if pg else old)
    if new:
        if pg:
            made = await s.execute(_PG_INSERT_CUSTOMERS, {**_columns([dict(n, created_at=None) for n in new]),
                                                          "now": now})
        else:
            made = await s.execute(_INSERT_CUSTOMER, new)
        ids.update({email.lower(): cid for email, cid in made.all()})
    identities = [dict(network=n, handle=h, customer_id=ids[me] if isinstance(me, str) else me)
                  for (n, h), me in owners.items() if (n, h) not in known]
    if pg and identities:
        await s.execute(_PG_INSERT_IDENTITIES, _columns(identities))
    else:
        await insert_ignoring_duplicates(s, t.Identity.__table__, identities, ("network", "handle"))
    return stored


async def store_orders(s: AsyncSession, batch: Batch, problems: Problems) -> int:
    ids = await _ids_by_email(s, {row.email.lower() for _, row in batch})
    existing = dict((await s.execute(_ORDER_IDS.on(s), {"numbers": list({row.number for _, row in batch})})).all())
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
    pg = _postgres(s)
    if old:
        await s.execute(_PG_UPDATE_ORDERS if pg else _UPDATE_ORDER, _columns(old) if pg else old)
    if new:
        await s.execute(_PG_INSERT_ORDERS if pg else insert(_ORDERS), _columns(new) if pg else new)
    return stored
