"""`rejoinder guard check`: run the guardrails on a reply text and print the
findings as JSON. Exit code 0 when the reply may go to approval, 1 when a
finding blocks it, 2 when the command itself was used wrongly."""
from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.config.workspace import Guidelines, Workspace
from bot.guardrails import Guardrails, findings_to_json
from bot.types import NETWORK_PATTERN

USAGE_ERROR = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=USAGE_ERROR)


def _read_workspace(path: Path) -> Workspace:
    try:
        loader = importlib.import_module("bot.config.loader")
    except ImportError:
        loader = None
    if loader is not None:
        return loader.load_workspace(path)
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Workspace.model_validate(data)


def _guardrails(config: Path | None) -> Guardrails:
    if config is None:
        return Guardrails(Guidelines())
    if not config.is_file():
        typer.echo(f"{config}: no such file; checking against the default guidelines.", err=True)
        return Guardrails(Guidelines())
    try:
        workspace = _read_workspace(config)
    except Exception as exc:  # every loader error means the same thing here: unusable file
        raise _fail(f"{config}: cannot use this workspace file:\n{exc}") from None
    return Guardrails(workspace.guidelines, dict(workspace.organisation.handles), contacts=workspace.organisation.contacts)


def check(
    network: Annotated[str, typer.Option("--network", help="Network the reply goes to: x, bluesky, mastodon, ...")],
    text: Annotated[str, typer.Option("--text", help="The reply text; '-' reads it from standard input.")],
    config: Annotated[Optional[Path], typer.Option("--config", help="Workspace file with the guidelines.")] = None,
    mention: Annotated[Optional[str], typer.Option("--mention", help="The customer's post being answered.")] = None,
    author: Annotated[Optional[str], typer.Option("--author", help="Handle of the customer being answered.")] = None,
) -> None:
    """Check a reply against the guidelines and print the findings as JSON."""
    if not re.fullmatch(NETWORK_PATTERN, network):
        raise _fail(f"--network: {network!r} is not a network name (lower-case letters, digits, '-' or '_').")
    if text == "-":
        text = sys.stdin.read()
    guardrails = _guardrails(config)
    findings = guardrails.check(text, network, mention_text=mention, author_handle=author)
    blocked = any(f.severity == "block" for f in findings)
    report = {"network": network, "blocked": blocked, "findings": findings_to_json(findings)}
    typer.echo(json.dumps(report, ensure_ascii=False))
    raise typer.Exit(code=1 if blocked else 0)


def register(app: typer.Typer) -> None:
    guard = typer.Typer(help="Check reply drafts against the guardrails.", no_args_is_help=True)
    guard.command("check")(check)
    app.add_typer(guard, name="guard")
