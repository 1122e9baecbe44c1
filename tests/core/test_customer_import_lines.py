"""The customer import streams in batches and reports every bad row by its
line, whatever is wrong with it (bytes that are not UTF-8, a NUL byte, a
value longer than its column, a value the database itself refuses), and
keeps every good row, on SQLite and on PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.people.customer_import import CustomerRow, import_customers, import_orders
from bot.people.import_batches import Problems, store_batch, store_customers
from bot.store import tables as t
from bot.store.db import Database

HEADER = b"email,name,phone,tier,lifetime_value,handles\n"


def good(n: int) -> bytes:
    return f"c{n}@example.com,Customer {n},,standard,{n},x:c{n}\n".encode()


async def count(db: Database, table) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(func.count()).select_from(table))


async def test_bad_bytes_nul_and_long_values_are_bad_rows_and_the_rest_is_kept(database_url, tmp_path):
    lines = [HEADER, good(1),
             b"bad@example.com,Jos\xe9 Latin-1,,standard,1,\n",       # line 3: not UTF-8
             good(2),
             b"nul@example.com,Nu\x00l,,standard,1,\n",               # line 5: a NUL byte
             b"long@example.com,Long,,standard,1,x:" + b"h" * 300 + b"\n",  # line 6: handle > 200
             good(3),
             b"nulh@example.com,Nul Handle,,standard,1,x:ab\x00c\n",  # line 8: NUL in a handle
             b"big@example.com," + b"N" * 250 + b",,standard,1,\n",   # line 9: name > 200
             good(4)]
    path = tmp_path / "customers.csv"
    path.write_bytes(b"".join(lines))
    db = await Database(database_url).start()
    try:
        seen: list[int] = []
        report = await import_customers(db, path, progress=seen.append)
        assert report.imported == 4 and sum(seen) == 9
        assert [int(e.split(":")[1]) for e in report.errors] == [3, 5, 6, 8, 9]
        assert "not UTF-8" in report.errors[0] and "\\xe9" in report.errors[0]
        assert "NUL" in report.errors[1] and "NUL" in report.errors[3]
        assert "at most 200" in report.errors[2] and "name" in report.errors[4]
        assert await count(db, t.Customer) == 4 and await count(db, t.Identity) == 4
    finally:
        await db.close()


async def test_many_rows_across_batches_update_rather_than_duplicate(database_url, tmp_path):
    path = tmp_path / "customers.csv"
    rows = [good(n) for n in range(2500)]
    rows[1500] = b"c1@example.com,Someone Else,,standard,1,x:c2\n"  # x:c2 belongs to customer 2
    path.write_bytes(HEADER + b"".join(rows))
    db = await Database(database_url).start()
    try:
        first = await import_customers(db, path)
        assert first.imported == 2499 and first.errors == ["customers.csv:1502: handles: x:c2 already belongs to another customer"]
        (tmp_path / "more.csv").write_bytes(HEADER + b"C7@EXAMPLE.COM,Seven Renamed,,gold,70,x:c7 bluesky:seven\n")
        again = await import_customers(db, tmp_path / "more.csv")
        assert again.imported == 1 and again.errors == []
        assert await count(db, t.Customer) == 2499 and await count(db, t.Identity) == 2500
        async with db.sessions() as s:
            seven = (await s.execute(select(t.Customer).where(t.Customer.email == "c7@example.com"))).scalar_one()
            assert (seven.name, seven.tier) == ("Seven Renamed", "gold")
        (tmp_path / "orders.csv").write_text("email,number,placed_at,total,currency,status\n"
                                             "c7@example.com,A-7,2026-11-01,10,EUR,placed\n"
                                             "c7@example.com,A-7,2026-11-02,12,EUR,shipped\n"
                                             "no@example.com,A-8,2026-11-02,12,EUR,shipped\n")
        orders = await import_orders(db, tmp_path / "orders.csv")
        assert orders.imported == 2 and [e.split(":")[1] for e in orders.errors] == ["4"]
        async with db.sessions() as s:
            [order] = (await s.execute(select(t.Order))).scalars().all()
            assert (order.number, order.status, order.customer_id) == ("A-7", "shipped", seven.id)
    finally:
        await db.close()


async def test_a_batch_the_database_refuses_is_stored_row_by_row(postgres_url):
    """PostgreSQL enforces column lengths: a row that got past the checks costs only itself."""
    db = await Database(postgres_url).start()
    try:
        rows = [(2, CustomerRow(email="a@example.com", name="Ann")),
                (3, CustomerRow.model_construct(email="b@example.com", name="B" * 300, phone=None, tier="standard",
                                                lifetime_value=0.0, handles=[])),
                (4, CustomerRow(email="c@example.com", name="Cy"))]
        problems = Problems("customers.csv")
        assert await store_batch(db, store_customers, rows, problems) == 2
        [problem] = problems.sorted()
        assert problem.startswith("customers.csv:3: the database refused this row:") and "too long" in problem
        assert await count(db, t.Customer) == 2
    finally:
        await db.close()


def test_the_cli_reports_bad_bytes_by_line_and_keeps_the_rest(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.app.cli import app

    path = tmp_path / "customers.csv"
    path.write_bytes(HEADER + good(1) + b"bad@example.com,Jos\xe9,,standard,1,\n" + b"n@example.com,N\x00,,standard,1,\n"
                     + good(2))
    monkeypatch.setenv("REJOINDER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["customers", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "customers.csv:3: name: bytes that are not UTF-8" in result.output
    assert "customers.csv:4: name: Value error, contains a NUL byte" in result.output
    assert "2 imported, 2 rejected" in result.output


async def test_a_refused_row_in_a_large_batch_costs_only_itself(postgres_url):
    """The batch is split in halves down to the refused row: every other row is stored, on the first try."""
    db = await Database(postgres_url).start()
    try:
        rows = [(n, CustomerRow(email=f"c{n}@example.com", name=f"C {n}", handles=f"x:c{n}")) for n in range(2, 302)]
        rows[137] = (139, CustomerRow.model_construct(email="long@example.com", name="L" * 300, phone=None,
                                                      tier="standard", lifetime_value=0.0, handles=[("x", "long")]))
        problems = Problems("customers.csv")
        assert await store_batch(db, store_customers, rows, problems, durable=False) == 299
        assert problems.sorted() == [p for p in problems.sorted() if p.startswith("customers.csv:139: the database")]
        assert len(problems.sorted()) == 1
        assert await count(db, t.Customer) == 299 and await count(db, t.Identity) == 299
    finally:
        await db.close()
