"""`rejoinder guard check`: run the guardrails on a reply text and print the
findings as JSON. Exit code 0 when the reply may go to approval, 1 when a
finding blocks it, 2 when the command itself was used wrongly.

With `--file replies.jsonl` it checks every reply of a JSONL file in one
process and prints one JSON line per reply; unusable lines are reported on
standard error by line number and the run goes on (exit 1 if any reply was
blocked or any line was unusable)."""
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
from bot.guardrails.batch import check_lines
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
    network: Annotated[Optional[str], typer.Option(
        "--network", help="Network the reply goes to: x, bluesky, mastodon, ... (with --file: for lines "
                          "that name none; default x)")] = None,
    text: Annotated[Optional[str], typer.Option("--text", help="The reply text; '-' reads it from standard input.")] = None,
    file: Annotated[Optional[Path], typer.Option(
        "--file", help="A JSONL file of replies, one {\"text\": ..., \"network\": ...} object a line.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Workspace file with the guidelines.")] = None,
    mention: Annotated[Optional[str], typer.Option("--mention", help="The customer's post being answered.")] = None,
    author: Annotated[Optional[str], typer.Option("--author", help="Handle of the customer being answered.")] = None,
) -> None:
    """Check a reply (or a JSONL file of replies) against the guidelines and print the findings as JSON."""
    if network is not None and not re.fullmatch(NETWORK_PATTERN, network):
        raise _fail(f"--network: {network!r} is not a network name (lower-case letters, digits, '-' or '_').")
    if file is not None:
        if text is not None:
            raise _fail("--file and --text: give one or the other.")
        _check_file(file, network or "x", _guardrails(config))
    if text is None:
        raise _fail("--text: missing; give the reply text, '-' to read it from standard input, or --file.")
    if network is None:
        raise _fail("--network: missing; say which network the reply goes to.")
    if text == "-":
        text = sys.stdin.read()
    guardrails = _guardrails(config)
    findings = guardrails.check(text, network, mention_text=mention, author_handle=author)
    blocked = any(f.severity == "block" for f in findings)
    report = {"network": network, "blocked": blocked, "findings": findings_to_json(findings)}
    typer.echo(json.dumps(report, ensure_ascii=False))
    raise typer.Exit(code=1 if blocked else 0)


def _check_file(path: Path, network: str, guardrails: Guardrails) -> None:
    try:
        handle = path.open(encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise _fail(f"{path}: cannot read ({exc.strerror or exc}).") from None
    checked = blocked = bad = 0
    out = sys.stdout
    with handle:
        # Lines end at "\n" only: replies may hold U+2028, which str.splitlines would cut.
        lines = (line.rstrip("\r\n") for line in handle)
        for outcome in check_lines(guardrails, lines, network):
            if outcome.error:
                bad += 1
                typer.echo(f"{path}:{outcome.line}: {outcome.error}; line skipped.", err=True)
                continue
            checked += 1
            blocked += outcome.report["blocked"]
            out.write(json.dumps(outcome.report, ensure_ascii=False) + "\n")
    typer.echo(f"{path}: {checked} replies checked, {blocked} blocked, {bad} lines skipped.", err=True)
    raise typer.Exit(code=1 if blocked or bad else 0)


def register(app: typer.Typer) -> None:
    guard = typer.Typer(help="Check reply drafts against the guardrails.", no_args_is_help=True)
    guard.command("check")(check)
    app.add_typer(guard, name="guard")
