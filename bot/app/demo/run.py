"""`rejoinder demo`: the whole loop on the bundled Tandem Bikes world, with a
SQLite file, the console, the replay source and the offline drafter. The
clock follows the feed's timestamps, so response times read like a morning."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from bot.app import demo
from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.clock import ManualClock
from bot.config.loader import load_workspace
from bot.core import Core
from bot.people.customer_import import import_customers, import_orders
from bot.app.demo.summary import collect, print_summary
from bot.app.demo.team import ScriptedTeam
from bot.drafting.template import TemplateDrafter
from bot.ports import Drafter
from bot.store.db import Database
from integrations.chat.console import ConsolePlatform
from integrations.social.replay import ReplayPublisher, read_mentions


@dataclass
class DemoPaths:
    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "demo.db"

    @property
    def replies(self) -> Path:
        return self.workdir / "replies.jsonl"

    @property
    def report(self) -> Path:
        return self.workdir / "report"


async def drain(app: App) -> None:
    """Run the outbox until nothing is due (the demo has no background tasks)."""
    while await app.chat_worker.run_due() + await app.publish_worker.run_due():
        pass


async def run_demo(workdir: Path, console: Console, *, interactive: bool = False, as_user: str = "dana",
                   verbose: bool = False, drafter: Drafter | None = None) -> dict:
    paths = DemoPaths(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in (paths.database, paths.replies, Path(f"{paths.database}-wal"), Path(f"{paths.database}-shm")):
        stale.unlink(missing_ok=True)
    ws = load_workspace(demo.path("workspace.yaml"))
    mentions, errors = read_mentions(demo.path("feed.jsonl"))
    for error in errors:
        console.print(f"[red]{error}[/red]")
    clock = ManualClock(mentions[0].created_at)
    db = await Database(f"sqlite+aiosqlite:///{paths.database}").start()
    try:
        customers = await import_customers(db, demo.path("customers.csv"))
        orders = await import_orders(db, demo.path("orders.csv"))
        offline = TemplateDrafter(organisation=ws.organisation.name)
        core = Core(ws, db, clock, drafter or offline, offline)
        console_chat = ConsolePlatform(console, verbose=verbose or interactive, files_dir=workdir / "files")
        app = App(ws, db, core, {"console": console_chat}, [], {"*": ReplayPublisher(paths.replies)},
                  InProcessBus(), clock)
        await console_chat.start(app.dispatcher.handlers())
        console.print(f"Tandem Bikes demo: {len(mentions)} mentions, {customers.imported} customers, "
                      f"{orders.imported} orders. Database {paths.database}")

        async def flush() -> None:
            await drain(app)

        team = ScriptedTeam(app.dispatcher, clock, flush,
                            say=(lambda line: console.print(line, highlight=False, markup=False)) if verbose else (lambda line: None))
        outcomes = []
        for number, mention in enumerate(mentions, start=1):
            clock.set(mention.created_at)
            results = await core.pipeline.ingest([mention], cursor=("demo-feed", str(number)))
            outcomes.extend(results)
            await flush()
            if await app.insights.tick():  # SLA clocks and spikes, as the running service checks them
                await flush()
            if not interactive:
                await team.act(results)
            elif not verbose:
                pass
        if interactive:
            await console_chat.repl(console_chat.user(as_user), after=flush)
        summary = await collect(core, outcomes, paths.replies)
        built = await app.insights.reports.build(
            app.insights.reports.scope_for(mentions[0].created_at.replace(minute=0, second=0), clock.now() + timedelta(seconds=1)),
            paths.report, "Tandem Bikes — the demo morning")
        summary["report"] = (str(paths.report / "index.html"), len(built.charts))
        print_summary(console, summary)
        return summary
    finally:
        await db.close()
