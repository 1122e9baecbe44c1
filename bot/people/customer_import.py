"""CSV import of customers and orders. Bad rows are reported by line number
and skipped; good rows are kept (each row is its own small upsert)."""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.customers import clean_handle
from bot.store import tables as t
from bot.store.db import Database

CUSTOMER_COLUMNS = ("email", "name", "phone", "tier", "lifetime_value", "handles")
ORDER_COLUMNS = ("email", "number", "placed_at", "total", "currency", "status")


class CustomerRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    tier: str = Field(default="standard", pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    lifetime_value: float = Field(default=0.0, ge=0)
    handles: list[tuple[str, str]] = Field(default_factory=list)

    @field_validator("phone", mode="before")
    @classmethod
    def _blank(cls, v):
        return v or None

    @field_validator("handles", mode="before")
    @classmethod
    def _handles(cls, v):
        if not isinstance(v, str):
            return v
        pairs = []
        for item in v.split():
            network, sep, handle = item.partition(":")
            if not sep or not network or not handle:
                raise ValueError(f"{item!r} is not network:handle")
            pairs.append((network.lower(), clean_handle(handle)))
        return pairs


class OrderRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: str = Field(min_length=3)
    number: str = Field(min_length=1, max_length=64)
    placed_at: datetime
    total: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    status: str = Field(min_length=1, max_length=32)

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(path: Path, columns: tuple[str, ...], report: ImportReport) -> Iterator[tuple[int, dict]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            report.errors.append(f"{path.name}:1: missing column(s): {', '.join(missing)}; expected {','.join(columns)}")
            return
        for row in reader:
            if None in row:
                report.errors.append(f"{path.name}:{reader.line_num}: more fields than columns")
                continue
            yield reader.line_num, {k: v for k, v in row.items() if k in columns and v != ""}


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())


async def _import(db: Database, path: Path, columns: tuple[str, ...], model: type[BaseModel], store,
                  progress: Callable[[int], None] | None) -> ImportReport:
    """Each good row is stored in its own transaction; a bad one is reported by line."""
    report = ImportReport()
    for line, raw in _rows(path, columns, report):
        try:
            row = model.model_validate(raw)
            async with db.transaction() as s:
                await store(s, row)
            report.imported += 1
        except ValidationError as exc:
            report.errors.append(f"{path.name}:{line}: {_explain(exc)}")
        except ValueError as exc:
            report.errors.append(f"{path.name}:{line}: {exc}")
        if progress:
            progress(1)
    return report


async def _store_customer(s: AsyncSession, row: CustomerRow) -> None:
    existing = (await s.execute(select(t.Customer).where(func.lower(t.Customer.email) == row.email.lower()))).scalar_one_or_none()
    customer = existing or t.Customer(email=row.email, created_at=datetime.now(timezone.utc))
    customer.name, customer.phone = row.name, row.phone
    customer.tier, customer.lifetime_value = row.tier, row.lifetime_value
    s.add(customer)
    await s.flush()
    for network, handle in row.handles:
        taken = (await s.execute(select(t.Identity).where(t.Identity.network == network, t.Identity.handle == handle))).scalar_one_or_none()
        if taken and taken.customer_id != customer.id:
            raise ValueError(f"handles: {network}:{handle} already belongs to another customer")
        if not taken:
            s.add(t.Identity(customer_id=customer.id, network=network, handle=handle))


async def _store_order(s: AsyncSession, row: OrderRow) -> None:
    cid = (await s.execute(select(t.Customer.id).where(func.lower(t.Customer.email) == row.email.lower()))).scalar_one_or_none()
    if cid is None:
        raise ValueError(f"email: no customer with email {row.email}")
    order = (await s.execute(select(t.Order).where(t.Order.number == row.number))).scalar_one_or_none()
    order = order or t.Order(number=row.number)
    order.customer_id, order.placed_at, order.total = cid, row.placed_at, row.total
    order.currency, order.status = row.currency, row.status
    s.add(order)


async def import_customers(db: Database, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    return await _import(db, path, CUSTOMER_COLUMNS, CustomerRow, _store_customer, progress)


async def import_orders(db: Database, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    return await _import(db, path, ORDER_COLUMNS, OrderRow, _store_order, progress)


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)
