"""`rejoinder status` and `rejoinder deadletters`: what runs where, and the
items the pipeline set aside."""
from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


async def _with_app_parts(work):
    """Database, clock and bus as `rejoinder run` builds them, closed afterwards."""
    from bot.app.root import build_bus
    from bot.app.settings import Settings
    from bot.clock import SystemClock
    from bot.store.db import Database

    settings = Settings()
    db = await Database(settings.database_url).start()
    bus = build_bus(settings)
    try:
        return await work(db, SystemClock(), bus)
    finally:
        await bus.close()
        await db.close()


def status(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Processes, source leases, stream lag, outbox depth and dead letters."""
    from bot.cluster.status import collect

    data = asyncio.run(_with_app_parts(lambda db, clock, bus: collect(db, clock, bus)))
    if as_json:
        print(json.dumps(data))
        return
    out = Console(highlight=False)
    table = Table(title="processes")
    for col in ("id", "roles", "started", "last seen", "state"):
        table.add_column(col)
    for p in data["processes"]:
        table.add_row(p["id"], p["roles"], p["started_at"][:19], f"{p['seen_s_ago']} s ago",
                      "alive" if p["alive"] else "gone")
    out.print(table)
    table = Table(title="source leases")
    for col in ("source", "holder", "token", "expires in"):
        table.add_column(col)
    for lease in data["leases"]:
        table.add_row(lease["name"], lease["holder"], str(lease["token"]), f"{lease['expires_in_s']} s")
    out.print(table if data["leases"] else "source leases: none (one process, or SQLite)")
    stream = data["stream"]
    if stream is None:
        out.print("stream: in-process bus (REDIS_URL not set)")
    else:
        table = Table(title=f"stream {stream['stream']} ({stream['length']:,} entries)")
        for col in ("group", "consumers", "lag", "pending"):
            table.add_column(col)
        for g in stream["groups"]:
            table.add_row(g["name"], str(g["consumers"]), str(g["lag"]), str(g["pending"]))
        out.print(table)
    table = Table(title="outbox")
    for col in ("kind", "depth", "pending", "uncertain", "sending", "oldest"):
        table.add_column(col)
    for kind, o in sorted(data["outbox"].items()):
        table.add_row(kind, str(o["depth"]), *(str(o.get(k, 0)) for k in ("pending", "uncertain", "sending")),
                      f"{o['oldest_age_s']} s")
    out.print(table if data["outbox"] else "outbox: empty")
    dead = data["dead_letters"]
    out.print(f"dead letters waiting: {dead['waiting']}" + (" (rejoinder deadletters replay)" if dead["waiting"] else ""))
    for d in dead["latest"]:
        out.print(f"  #{d['id']} from {d['source']} at {d['at'][:19]}: {d['reason']}", markup=False)


def replay(letter_id: Annotated[int | None, typer.Argument(help="Only this dead letter.")] = None) -> None:
    """Try the dead letters again (after a fix); each one stored is marked replayed."""
    from bot.cluster.status import replay_dead_letters
    from bot.core import Core
    from bot.drafting.template import TemplateDrafter
    from bot.intake.consumer import Consumer
    from bot.app.settings import Settings
    from bot.config.loader import load_workspace

    ws = load_workspace(Settings().config_path)

    async def work(db, clock, _bus):
        drafter = TemplateDrafter(organisation=ws.organisation.name)
        core = Core(ws, db, clock, drafter, drafter)
        return await replay_dead_letters(db, clock, Consumer(db, core.pipeline, clock), letter_id)

    results = asyncio.run(_with_app_parts(work))
    out = Console(highlight=False)
    for n, error in results:
        out.print(f"#{n}: " + ("stored" if error is None else f"still cannot be stored: {error}"), markup=False)
    out.print(f"{sum(e is None for _, e in results)} of {len(results)} dead letter(s) stored.")
    if any(e is not None for _, e in results):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    letters = typer.Typer(help="Items the pipeline could not store.", no_args_is_help=True)
    letters.command("replay")(replay)
    app.add_typer(letters, name="deadletters")
