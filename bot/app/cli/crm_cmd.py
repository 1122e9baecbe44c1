"""`rejoinder crm check`, `rejoinder crm backfill` and `rejoinder timeline export`."""
from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="The workspace file.")]


def _load(config: Path | None):
    from bot.app.settings import Settings
    from bot.config.loader import ConfigError, load_workspace

    settings = Settings()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        ws = load_workspace(config or settings.config_path)
    except ConfigError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(code=1) from None
    if ws.crm is None:
        err.print("No crm: section in the workspace file; see the README's CRM setup.", markup=False)
        raise typer.Exit(code=2)
    return settings, ws, err


def _directory(settings, ws, err, db=None):
    from bot.crm.setup import MissingSecret, build_directory

    def secret(name: str) -> str | None:
        value = settings.env_secret(name)
        return value.get_secret_value() if value else None

    try:
        return build_directory(ws, secret, db)
    except MissingSecret as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(code=1) from None


def check(config: ConfigOption = None) -> None:
    """Check the CRM: the credentials work, the scopes are granted, the configured fields exist."""
    settings, ws, err = _load(config)
    directory = _directory(settings, ws, err)
    problems = asyncio.run(directory.check())
    for problem in problems:
        err.print(f"{ws.crm.type}: {problem}", markup=False)
    if problems:
        raise typer.Exit(code=1)
    fields = ", ".join(f"{n}→{f}" for n, f in ws.crm.handle_fields.items()) or "none"
    Console(highlight=False, soft_wrap=True).print(f"OK: {ws.crm.type} answers; handle fields {fields}; key field {ws.crm.key_field}",
                                   markup=False)


def backfill(config: ConfigOption = None,
             restart: Annotated[bool, typer.Option(help="Start again from the first author.")] = False) -> None:
    """Look up every author with cases in the CRM and keep the matches; resumable."""
    from bot.clock import SystemClock
    from bot.config.workspace import parse_duration
    from bot.crm.backfill import backfill as run_backfill, pending
    from bot.crm.reads import CrmReads
    from bot.store.db import Database

    settings, ws, err = _load(config)
    _directory(settings, ws, err)  # secrets checked before anything starts

    async def main():
        db = await Database(settings.database_url).start()
        try:
            directory = _directory(settings, ws, err, db)
            reads = CrmReads(db, SystemClock(), directory, parse_duration(ws.crm.cache_ttl), ws.crm.timeout_s)
            total = await pending(db) if not restart else None
            with Progress(console=err, transient=False) as progress:
                task = progress.add_task(f"linking authors to {ws.crm.type}", total=total)
                return await run_backfill(db, SystemClock(), reads, lambda n: progress.advance(task, n), restart)
        finally:
            await db.close()

    report = asyncio.run(main())
    err.print(f"{report.matched} matched, {report.unmatched} without a contact", markup=False)
    if report.stopped:
        err.print(report.stopped, markup=False)
        raise typer.Exit(code=1)


def export(fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "jsonl",
           out: Annotated[Path | None, typer.Option("--out", "-o", help="The file to write (default: stdout).")] = None,
           since: Annotated[str | None, typer.Option(help="Only events from this date on (YYYY-MM-DD).")] = None) -> None:
    """Export every case and customer timeline event, oldest first."""
    from bot.app.settings import Settings
    from bot.crm.export import export as run_export
    from bot.store.db import Database

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if fmt not in ("csv", "jsonl"):
        err.print(f"--format {fmt!r}: use csv or jsonl", markup=False)
        raise typer.Exit(code=2)
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=timezone.utc) if since else None
    except ValueError:
        err.print(f"--since {since!r}: use a date like 2026-11-01", markup=False)
        raise typer.Exit(code=2) from None

    async def main() -> int:
        db = await Database(Settings().database_url).start()
        try:
            if out is None:
                return await run_export(db, sys.stdout, fmt, start)
            with out.open("w", encoding="utf-8", newline="") as f:
                return await run_export(db, f, fmt, start)
        finally:
            await db.close()

    n = asyncio.run(main())
    err.print(f"{n} events exported", markup=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The CRM the workspace points at (HubSpot or Salesforce).", no_args_is_help=True)
    group.command("check")(check)
    group.command("backfill")(backfill)
    app.add_typer(group, name="crm")
    timeline = typer.Typer(help="The case and customer timelines.", no_args_is_help=True)
    timeline.command("export")(export)
    app.add_typer(timeline, name="timeline")
