"""`rejoinder demo`, `rejoinder run` and `rejoinder db upgrade`."""
from __future__ import annotations

import asyncio
import gc
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config.loader import ConfigError, check_environment, load_workspace
from bot.ports import TokenRefused


def demo(
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Act yourself in the console.")] = False,
    as_user: Annotated[str, typer.Option("--as", help="Who you act as in --interactive mode.")] = "dana",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every card and action.")] = False,
    workdir: Annotated[Path, typer.Option(help="Where the demo database and replies go.")] = Path(".rejoinder-demo"),
) -> None:
    """Run the whole loop on the bundled Tandem Bikes demo, no accounts needed."""
    from bot.app.demo.run import run_demo

    console = Console(highlight=False)
    summary = asyncio.run(run_demo(workdir, console, interactive=interactive, as_user=as_user, verbose=verbose))
    if summary["published"] == 0 and not interactive:
        raise typer.Exit(code=1)


def run(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="The workspace file.")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Type commands in the terminal as this person "
                                                "(console teams).")] = None,
    role: Annotated[str, typer.Option("--role", help="What this process runs: all, or any of sources, pipeline, "
                                      "workers, chat (comma-separated).")] = "all",
) -> None:
    """Run live from rejoinder.yaml: sources, pipeline, chat platforms, publishing."""
    from bot.app.logs import setup_logging
    from bot.app.ops import start_ops
    from bot.app.root import App
    from bot.app.settings import Settings
    from bot.cluster.roles import parse_roles
    from bot.cluster.topology import topology_problems
    from bot.intake.enrich import preload

    err = Console(stderr=True, highlight=False)
    try:
        roles = parse_roles(role)
    except ValueError as exc:
        err.print(f"--role: {exc}", markup=False)
        raise typer.Exit(code=2) from None
    settings = Settings()
    setup_logging(settings)  # LOG_FORMAT=json for JSON lines; secrets masked either way
    path = config or settings.config_path
    try:
        ws = load_workspace(path)
    except ConfigError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(code=1) from None
    problems = check_environment(ws, settings) + topology_problems(settings, roles)
    if problems:
        for issue in problems:
            err.print(str(issue), markup=False)
        raise typer.Exit(code=1)

    async def main() -> None:
        app = await App.create(settings, ws, Path(path).resolve().parent)
        if "pipeline" in roles:
            preload()  # the enrichment models, before the heap is settled below
        settle_heap()
        ops = await start_ops(app, settings)  # /healthz, /readyz, /metrics
        # SIGTERM (a redeploy, `docker stop`): take no new work, finish or hand back what is in hand, exit.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, app.stop)
        try:
            await app.run(console_user=as_user, roles=roles)
        finally:
            await ops.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        err.print("stopped")
    except TokenRefused as exc:  # a credential the platform will never take: say which, do not retry
        err.print(f"{exc.variable}: {exc.message}", markup=False)
        raise typer.Exit(code=2) from None


def settle_heap() -> None:
    """Start-up made some hundred thousand objects that live as long as the
    process: freeze them, so no collection walks them again, and collect
    young objects less often (a batch of mentions makes tens of thousands,
    nearly all freed by reference counting). In the cluster bench this took
    about a third off the CPU per mention."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def db_upgrade() -> None:
    """Apply database migrations (also done automatically on start)."""
    from bot.app.settings import Settings
    from bot.store.db import Database

    async def main() -> None:
        db = await Database(Settings().database_url).start()
        await db.close()

    asyncio.run(main())
    Console().print("database is up to date")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("run")(run)
    db = typer.Typer(help="Database maintenance.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    app.add_typer(db, name="db")
