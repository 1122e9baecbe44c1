"""`rejoinder customers import FILE.csv` and `import-orders FILE.csv`."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from bot.people.customer_import import count_rows, import_customers, import_orders


def _run(path: Path, importer) -> None:
    from bot.app.settings import Settings
    from bot.store.db import Database

    console = Console(stderr=True, highlight=False)
    if not path.is_file():
        console.print(f"{path}: no such file", markup=False)
        raise typer.Exit(code=2)

    async def main():
        db = await Database(Settings().database_url).start()
        try:
            with Progress(console=console, transient=False) as progress:
                task = progress.add_task(f"importing {path.name}", total=count_rows(path))
                return await importer(db, path, lambda n: progress.advance(task, n))
        finally:
            await db.close()

    report = asyncio.run(main())
    for error in report.errors:
        console.print(error, markup=False)
    console.print(f"{report.imported} imported, {len(report.errors)} rejected", markup=False)
    if report.errors:
        raise typer.Exit(code=1)


def customers_import(file: Annotated[Path, typer.Argument(help="CSV: email,name,phone,tier,lifetime_value,handles")]) -> None:
    """Import customers; bad rows are reported by line, good rows are kept."""
    _run(file, import_customers)


def orders_import(file: Annotated[Path, typer.Argument(help="CSV: email,number,placed_at,total,currency,status")]) -> None:
    """Import orders for existing customers."""
    _run(file, import_orders)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The built-in customer directory.", no_args_is_help=True)
    group.command("import")(customers_import)
    group.command("import-orders")(orders_import)
    app.add_typer(group, name="customers")
