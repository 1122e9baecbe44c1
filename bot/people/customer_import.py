"""CSV import of customers and orders. The file is streamed and stored in
batched upserts; bad rows (invalid values, bytes that are not UTF-8, values
the database refuses) are reported by line and skipped, good rows are kept."""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.people.customers import clean_handle
from bot.people.import_batches import (
    BATCH, Problems, StoreBatch, make_durable, store_batch, store_customers, store_orders,
)
from bot.store.db import Database

CUSTOMER_COLUMNS = ("email", "name", "phone", "tier", "lifetime_value", "handles")
ORDER_COLUMNS = ("email", "number", "placed_at", "total", "currency", "status")
_SURROGATES = re.compile("[\udc80-\udcff]")


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL byte, which the database cannot store")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]  # every text column: PostgreSQL refuses NUL


class CustomerRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: Text = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: Text = Field(min_length=1, max_length=200)
    phone: Text | None = Field(default=None, max_length=40)
    tier: str = Field(default="standard", pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    lifetime_value: float = Field(default=0.0, ge=0, allow_inf_nan=False)
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
                raise ValueError(f"{item[:60]!r} is not network:handle")
            network, handle = _no_nul(network.lower()), _no_nul(clean_handle(handle))
            if len(network) > 32 or len(handle) > 200:
                raise ValueError(f"{item[:60]!r}…: a network has at most 32 characters, a handle at most 200")
            pairs.append((network, handle))
        return pairs


class OrderRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: Text = Field(min_length=3, max_length=320)
    number: Text = Field(min_length=1, max_length=64)
    placed_at: datetime
    total: float = Field(ge=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    status: Text = Field(min_length=1, max_length=32)

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[str] = field(default_factory=list)


def _undecodable(raw: dict) -> str | None:
    """Bytes that are not UTF-8 arrive as lone surrogates (errors="surrogateescape")."""
    for column, value in raw.items():
        if _SURROGATES.search(value):
            shown = value.encode("utf-8", "surrogateescape")[:40]
            return f"{column}: bytes that are not UTF-8 ({shown!r}); save the file as UTF-8"
    return None


def _rows(path: Path, columns: tuple[str, ...], problems: Problems) -> Iterator[tuple[int, dict | None]]:
    """(line, values) per record; values None for a record already reported as bad."""
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.add(1, f"missing column(s): {', '.join(missing)}; expected {','.join(columns)}")
            return
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field larger than the csv module takes
                problems.add(reader.line_num, f"unreadable CSV: {exc}")
                yield reader.line_num, None
                continue
            raw = {k: v for k, v in row.items() if k in columns and v}
            bad = "more fields than columns" if None in row else _undecodable(raw)
            if bad:
                problems.add(reader.line_num, bad)
            yield reader.line_num, None if bad else raw


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())


async def _import(db: Database, path: Path, columns: tuple[str, ...], model: type[BaseModel], store: StoreBatch,
                  progress: Callable[[int], None] | None, batch_size: int = BATCH) -> ImportReport:
    """Rows are checked as they are read and stored in batches, each one
    transaction of a few statements; memory stays flat for any file size."""
    report, problems = ImportReport(), Problems(path.name)
    batch: list[tuple[int, BaseModel]] = []
    read = 0

    async def flush(last: bool = False) -> None:
        nonlocal read
        if batch:
            report.imported += await store_batch(db, store, batch, problems, durable=last)
        elif last and report.imported:
            await make_durable(db)
        if progress and read:
            progress(read)
        batch.clear()
        read = 0

    for line, raw in _rows(path, columns, problems):
        read += 1
        try:
            if raw is not None:
                batch.append((line, model.model_validate(raw)))
        except ValidationError as exc:
            problems.add(line, _explain(exc))
        if read >= batch_size:
            await flush()
    await flush(last=True)
    report.errors = problems.sorted()
    return report


async def import_customers(db: Database, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    return await _import(db, path, CUSTOMER_COLUMNS, CustomerRow, store_customers, progress)


async def import_orders(db: Database, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    return await _import(db, path, ORDER_COLUMNS, OrderRow, store_orders, progress)


def count_rows(path: Path) -> int:
    """For the progress bar's total; 0 (no total) if the file cannot be counted."""
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        try:
            return max(sum(1 for _ in csv.reader(fh)) - 1, 0)
        except csv.Error:
            return 0
