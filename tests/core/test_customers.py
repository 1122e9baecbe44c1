"""Customer import, identity resolution across handles, and the 360° view."""
from __future__ import annotations

from typer.testing import CliRunner

from bot.app.cli import app
from bot.people.customer_import import import_customers, import_orders
from bot.people.customers import CustomerDirectory
from bot.store.db import Database

CUSTOMERS = """email,name,phone,tier,lifetime_value,handles
ana@example.com,Ana Silva,+1 555 0101,vip,1200.50,x:@Ana_S bluesky:ana.bsky.social
bad-email,Bo,,standard,10,
cy@example.com,Cy Young,,plus,-5,
di@example.com,Di Lee,,standard,30,x:ana_s
ed@example.com,Ed Moss,,standard,40,mastodon
fay@example.com,Fay Ng,,plus,50,x:fay
"""
ORDERS = """email,number,placed_at,total,currency,status
ana@example.com,A-1,2026-11-01T10:00:00Z,99.90,USD,delivered
ana@example.com,A-2,2026-11-10,1100.60,USD,delayed
nobody@example.com,A-3,2026-11-10,5,USD,placed
fay@example.com,A-4,yesterday,5,USD,placed
"""


async def test_import_reports_bad_rows_by_line_and_keeps_good_ones(database_url, tmp_path):
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "orders.csv").write_text(ORDERS)
    db = await Database(database_url).start()
    try:
        seen = []
        report = await import_customers(db, tmp_path / "customers.csv", progress=seen.append)
        assert report.imported == 2 and sum(seen) == 6
        assert [e.split(":")[1] for e in report.errors] == ["3", "4", "5", "6"]
        assert "email" in report.errors[0] and "lifetime_value" in report.errors[1]
        assert "already belongs to another customer" in report.errors[2]
        assert "is not network:handle" in report.errors[3]
        orders = await import_orders(db, tmp_path / "orders.csv")
        assert orders.imported == 2
        assert [e.split(":")[1] for e in orders.errors] == ["4", "5"]
        assert "no customer with email nobody@example.com" in orders.errors[0]

        directory = CustomerDirectory()
        async with db.sessions() as s:
            ana = await directory.resolve(s, "x", "@ana_s")
            assert ana is not None
            assert await directory.resolve(s, "bluesky", "Ana.bsky.social") == ana  # across networks
            assert await directory.find(s, "ANA@example.com") == ana
            view = await directory.view(s, ana)
            assert [o.number for o in view.recent_orders] == ["A-2", "A-1"] and view.tier == "vip"
            partner = await directory.view(s, ana, redacted=True)
            assert partner.name == "Ana" and partner.email is None and partner.phone is None
            assert partner.handles == () and all(o.total is None for o in partner.recent_orders)
        # Importing again updates rather than duplicates.
        again = await import_customers(db, tmp_path / "customers.csv")
        assert again.imported == 2
    finally:
        await db.close()


def test_cli_import_shows_progress_and_errors(tmp_path, monkeypatch):
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    monkeypatch.setenv("REJOINDER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["customers", "import", str(tmp_path / "customers.csv")])
    assert result.exit_code == 1
    assert "customers.csv:3: email" in result.output
    assert "2 imported, 4 rejected" in result.output


def test_cli_import_missing_columns(tmp_path, monkeypatch):
    (tmp_path / "c.csv").write_text("mail,name\nx@example.com,X\n")
    monkeypatch.setenv("REJOINDER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["customers", "import", str(tmp_path / "c.csv")])
    assert result.exit_code == 1 and "c.csv:1: missing column(s): email" in result.output
