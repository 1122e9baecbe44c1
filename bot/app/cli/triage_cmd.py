"""`rejoinder triage FILE.jsonl`: show where each mention would be routed.

A dry run of normalization, enrichment and routing: one JSON object per
mention on stdout, nothing stored or posted. A bad line is reported on
stderr with file, line and field, and the rest of the file still runs.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from typer.core import TyperGroup
from pydantic import ValidationError

from bot.config.workspace import Workspace
from bot.intake.enrich import Facts
from bot.intake.normalize import normalize
from bot.routing import Router
from bot.triage.model import ModelFileError
from bot.triage.model import use as use_triage_model
from bot.types import Mention


class _ConfigProblem(Exception):
    pass


def load_config(path: Path) -> Workspace:
    """The workspace, via the line-numbering loader when it is available."""
    try:
        from bot.config.loader import ConfigError, load_workspace
    except ImportError:
        return _plain_load(path)
    try:
        return load_workspace(path)
    except ConfigError as exc:
        raise _ConfigProblem(str(exc)) from None


def _plain_load(path: Path) -> Workspace:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _ConfigProblem(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise _ConfigProblem(f"{path}: invalid YAML: {exc}") from None
    try:
        return Workspace.model_validate(data)
    except ValidationError as exc:
        raise _ConfigProblem(f"{path}: " + "; ".join(_describe(e) for e in exc.errors())) from None


def _describe(error: dict) -> str:
    field = ".".join(str(part) for part in error.get("loc", ()))
    return f"field {field!r}: {error['msg']}" if field else error["msg"]


def triage_line(router: Router, handles: dict[str, str], mention: Mention) -> dict:
    text = normalize(mention.text)
    facts = Facts(mention, text, handles)
    match = router.route(mention, text, facts)
    verdict = facts.triage
    return {
        "id": f"{mention.network}:{mention.external_id}",
        "route": match.route if match else None,
        "team": match.team if match else None,
        "priority": match.priority if match else None,
        "labels": list(match.labels) if match else [],
        "matched": list(match.matched) if match else [],
        "sentiment": round(facts.sentiment, 4),
        "sentiment_label": facts.sentiment_label,
        "language": facts.language,
        "flags": sorted(facts.flags),
        "needs_response": verdict.needs_response,
        "confidence": round(verdict.confidence, 3),
        "intent": verdict.intent,
        "intent_confidence": round(verdict.intent_confidence, 3),
    }


def _parse(raw: bytes, where: str) -> Mention:
    """One mention, or ValueError with a message that names `where` and the field."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{where}: the line is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:  # the decoder gives up on deep nesting at once, in time linear in the line
        raise ValueError(f"{where}: JSON nested too deeply to be a mention") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object for a mention, got {type(data).__name__}")
    try:
        return Mention.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{where}: " + "; ".join(_describe(e) for e in exc.errors())) from None


def triage(
    file: Annotated[Path, typer.Argument(help="Mentions as JSON lines, one mention per line.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="The workspace file.")] = Path("rejoinder.yaml"),
) -> None:
    """Route mentions from a JSONL file and print where each would go (nothing is stored or posted)."""
    try:
        workspace = load_config(config)
    except _ConfigProblem as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    try:
        use_triage_model(config.parent / workspace.triage.model if workspace.triage.model else None)
    except ModelFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    router = Router(workspace.routes)
    for warning in router.warnings:
        typer.echo(f"{config}: {warning}", err=True)
    handles = workspace.organisation.handles
    try:
        lines = file.open("rb")
    except OSError as exc:
        typer.echo(f"{file}: cannot read the file: {exc.strerror or exc}", err=True)
        raise typer.Exit(code=2) from None
    bad = 0
    with lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                mention = _parse(raw, f"{file}:{number}")
            except ValueError as exc:
                bad += 1
                typer.echo(str(exc), err=True)
                continue
            try:
                routed = triage_line(router, handles, mention)
            except Exception as exc:  # noqa: BLE001 - one odd mention must not stop the rest of the file
                bad += 1
                typer.echo(f"{file}:{number}: could not be triaged ({type(exc).__name__}: {exc})"[:500], err=True)
                continue
            typer.echo(json.dumps(routed, ensure_ascii=False))
    if bad:
        raise typer.Exit(code=1)


class _RouteByDefault(TyperGroup):
    """`rejoinder triage FILE` routes (the command it always was);
    `rejoinder triage learn ...` retrains."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["route", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    from bot.app.cli.triage_learn import learn

    group = typer.Typer(cls=_RouteByDefault, no_args_is_help=True,
                        help="Dry-run routing of mentions (`triage FILE`), or retrain triage (`triage learn`).")
    group.command("route")(triage)
    group.command("learn")(learn)
    app.add_typer(group, name="triage")
