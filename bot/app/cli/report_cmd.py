"""`rejoinder report`: an HTML report with PNG charts and CSV files for a
period, written to a folder and, if asked, posted in a team's channel."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config.loader import ConfigError, load_workspace


def report(
    since: Annotated[str, typer.Option(help="How far back, e.g. 24h, 7d or 30d.")] = "7d",
    out: Annotated[Path, typer.Option(help="Folder for index.html, the charts and csv/.")] = Path("report"),
    team: Annotated[str | None, typer.Option(help="Only this team's cases (a partner team: redacted, its own only).")] = None,
    post: Annotated[str | None, typer.Option(help="Post the report in this team's channel (Slack file upload or the console).")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="The workspace file.")] = None,
) -> None:
    """Write a report of the last SINCE (volume, sentiment, SLA times, stages, approvals, guardrails, topics, advocates)."""
    from bot.app.settings import Settings
    from bot.config.workspace import parse_duration

    settings = Settings()
    err = Console(stderr=True, highlight=False)
    try:
        ws = load_workspace(config or settings.config_path)
        length = parse_duration(since)
    except (ConfigError, ValueError) as exc:
        err.print(f"report: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    known = {t.name for t in ws.teams}
    for name, value in (("--team", team), ("--post", post)):
        if value is not None and value not in known:
            err.print(f"report: {name} {value!r} is not a team; teams are {', '.join(sorted(known))}", markup=False)
            raise typer.Exit(code=1)
    console = Console(highlight=False)
    asyncio.run(_report(settings, ws, length, out, team, post, console))


async def _report(settings, ws, length, out: Path, team, post, console: Console) -> None:
    from bot.app.root import build_platforms
    from bot.chat.effects import ChatEffects
    from bot.clock import SystemClock
    from bot.insights.reports.service import Reports, send
    from bot.store.db import Database

    db = await Database(settings.database_url).start()
    try:
        clock = SystemClock()
        reports = Reports(db, ws, clock)
        now = clock.now()
        console.print(f"Aggregating {length} of cases…")
        built = await reports.build(reports.scope_for(now - length, now, team), out)
        console.print(built.headline(), markup=False)
        console.print(f"Wrote {out / 'index.html'}, {len(built.charts)} charts and {len(built.tables)} CSV files in {out / 'csv'}")
        if post is not None:
            platforms = build_platforms(ws, settings)
            chat = ChatEffects(db, ws, platforms, None)  # type: ignore[arg-type] - only its channel lookup is used
            platform, channel, _partner = chat._platform(post)
            await send(built, platform, channel, f"report:cli:{now:%Y%m%dT%H%M%S}")
            console.print(f"Posted in {channel} on {platform.name}.")
    finally:
        await db.close()


def register(app: typer.Typer) -> None:
    app.command()(report)
