"""`rejoinder sources check`: try each configured source's and publisher's
credentials and reach (read-only; nothing is posted) and print one line each."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from bot.app.cli.config_cmd import settings_issues
from bot.config.loader import ConfigError, check_environment, load_workspace
from bot.config.workspace import Workspace
from bot.ports import SourceCheckFailed
from bot.app.settings import Settings
from bot.app.sources import build_sources

CHECK_TIMEOUT = 20.0  # one whole check; each request inside it waits at most 5 s
# Who an account is, not how it logs in: shown in results, so never masked.
NOT_SECRET = {"handle_env", "username_env"}


@dataclass
class Target:
    label: str  # "bsky (bluesky source)"
    entry: Any  # the source's entry in the workspace
    subject: Any = None  # the built source or publisher
    problem: str | None = None  # known before any check runs


@dataclass(frozen=True)
class Result:
    label: str
    ok: bool
    text: str


def _env_problems(ws: Workspace, settings: Settings) -> dict[int, list[str]]:
    """Unset secrets per source index (config check reports the rest)."""
    found: dict[int, list[str]] = {}
    for issue in check_environment(ws, settings):
        m = re.match(r"sources\[(\d+)\]", issue.field)
        if m:
            found.setdefault(int(m.group(1)), []).append(issue.message)
    return found


def targets(ws: Workspace, settings: Settings, base_dir: Path) -> list[Target]:
    """Each source, then the publisher it brings. Built one entry at a time so
    a source its integration refuses is reported without hiding the others;
    as in `build_sources`, the first source of a network supplies its publisher."""
    missing = _env_problems(ws, settings)
    out: list[Target] = []
    networks: set[str] = set()
    for index, entry in enumerate(ws.sources):
        label = f"{entry.name} ({entry.type} source)"
        if index in missing:
            out.append(Target(label, entry, problem="; ".join(missing[index])))
            continue
        try:
            sources, publishers = build_sources(ws.model_copy(update={"sources": [entry]}), settings, base_dir)
        except Exception as exc:  # noqa: BLE001 - a constructor refusing the configuration is a result
            out.append(Target(label, entry, problem=str(exc)))
            continue
        out.append(Target(label, entry, sources[0]))
        for network, publisher in publishers.items():
            if network not in networks:
                networks.add(network)
                out.append(Target(f"{entry.name} ({entry.type} publisher)", entry, publisher))
    return out


def _where_from(exc: SourceCheckFailed, entry: Any) -> str:
    names = [getattr(entry, f"{c}_env", None) for c in exc.credentials]
    names = [n for n in names if n]
    if not names:
        return exc.message
    return exc.message + (f"; it comes from {names[0]}" if len(names) == 1 else f"; they come from {', '.join(names)}")


async def _check(target: Target) -> Result:
    if target.problem is not None:
        return Result(target.label, False, target.problem)
    check = getattr(target.subject, "check", None)
    if check is None:
        return Result(target.label, False, "this integration has no check")
    try:
        return Result(target.label, True, await asyncio.wait_for(check(), CHECK_TIMEOUT))
    except SourceCheckFailed as exc:
        return Result(target.label, False, _where_from(exc, target.entry))
    except TimeoutError:
        return Result(target.label, False, f"no answer within {CHECK_TIMEOUT:.0f} s")
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        return Result(target.label, False, f"the check failed unexpectedly: {type(exc).__name__}: {exc}")


async def check_all(ws: Workspace, settings: Settings, base_dir: Path) -> list[Result]:
    """Build (on the running loop, as the service does) and check everything side by side."""
    found = targets(ws, settings, base_dir)
    try:
        return list(await asyncio.gather(*(_check(t) for t in found)))
    finally:
        for target in found:
            close = getattr(target.subject, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # noqa: BLE001 - closing after a check is best effort
                    pass


def secret_values(ws: Workspace, settings: Settings) -> list[str]:
    """Every secret the sources read, longest first, to mask in any output."""
    values = set()
    for entry in ws.sources:
        for field in type(entry).model_fields:
            var = getattr(entry, field)
            if field.endswith("_env") and field not in NOT_SECRET and var:
                secret = settings.env_secret(var)
                # Masking a two-letter value would garble the text more than it protects.
                if secret is not None and len(secret.get_secret_value()) >= 4:
                    values.add(secret.get_secret_value())
    return sorted(values, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    # The checks never put a secret in a message; this also covers a library's wording.
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


CONFIG_HELP = "The workspace file (default: REJOINDER_CONFIG or rejoinder.yaml)."


def check(config: Annotated[Optional[Path], typer.Option("--config", help=CONFIG_HELP)] = None) -> None:
    """Try each source's credentials and reach (nothing is posted); one line per source and publisher."""
    out = Console(highlight=False, soft_wrap=True)
    try:
        settings = Settings()
    except ValidationError as exc:
        for issue in settings_issues(exc):
            out.print(str(issue), markup=False)
        raise typer.Exit(code=1) from None
    path = config or settings.config_path
    try:
        ws = load_workspace(path)
    except ConfigError as exc:
        for issue in exc.issues:
            out.print(str(issue), markup=False)
        raise typer.Exit(code=1) from None
    if not ws.sources:
        out.print(f"{path}: no sources configured; nothing to check.", markup=False)
        return
    results = asyncio.run(check_all(ws, settings, Path(path).resolve().parent))
    secrets = secret_values(ws, settings)
    for result in results:
        mark = Text("✓", style="green") if result.ok else Text("✗", style="bold red")
        out.print(Text.assemble(mark, f" {result.label}: {mask(result.text, secrets)}"))
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    sources_app = typer.Typer(help="Check the configured sources.", no_args_is_help=True)
    sources_app.command("check")(check)
    app.add_typer(sources_app, name="sources")
