"""Customer import throughput: `rejoinder customers import` on a generated
CSV (every row with two handles), on a SQLite file and on the PostgreSQL
server of REJOINDER_BENCH_POSTGRES (default: the local one), fresh and again
(the second pass updates every row). Target: at least 5,000 rows/s."""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from bot.people.customer_import import import_customers
from bot.store.db import Database

POSTGRES = os.environ.get("REJOINDER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET = 5_000


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("email,name,phone,tier,lifetime_value,handles\n")
        for n in range(rows):
            fh.write(f"c{n}@example.com,Customer {n},+1 555 {n % 10000:04d},standard,{n % 997}.5,"
                     f"x:c{n} bluesky:c{n}.bsky.social\n")


async def _timed(url: str, path: Path, note) -> tuple[float, float]:
    db = await Database(url).start()
    try:
        rates = []
        for what in ("fresh", "update"):  # then every row again
            started, cpu = time.perf_counter(), time.process_time()
            report = await import_customers(db, path)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            rates.append(report.imported / wall)
            assert not report.errors, report.errors[:3]
            # On a shared machine the wall clock also counts other programs' turns.
            note(f"{url.split(':')[0]} {what}: {wall:.1f} s wall, {cpu:.1f} s of this process's CPU, "
                 f"load average {os.getloadavg()[0]:.1f}")
        return rates[0], rates[1]
    finally:
        await db.close()


async def _postgres(path: Path, note) -> tuple[float, float] | None:
    import asyncpg

    name = f"rejoinder_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(POSTGRES, timeout=3)
    except Exception:  # noqa: BLE001 - no server: that figure is left out
        return None
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        return await _timed(url, path, note)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def run(quick: bool, note) -> dict:
    rows = 20_000 if quick else 100_000
    figures: dict = {"import_rows": rows}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write_csv(path, rows)
        fresh, again = asyncio.run(_timed(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", path, note))
        figures.update(import_sqlite_rows_s=round(fresh), import_sqlite_update_rows_s=round(again))
        pg = asyncio.run(_postgres(path, note))
        if pg is None:
            note("no PostgreSQL server: its figures are left out")
        else:
            figures.update(import_postgres_rows_s=round(pg[0]), import_postgres_update_rows_s=round(pg[1]))
    slowest = min(v for k, v in figures.items() if k.endswith("_rows_s"))
    note(f"slowest {slowest:,.0f} rows/s against a target of {TARGET:,} rows/s")
    return figures


if __name__ == "__main__":
    print(run(quick=False, note=print))
