"""`rejoinder triage learn`: retrain the triage model on your own labels.

From a labelled JSONL file (`text`, `needs_response` true/false, optional
`intent`) or from the team's decisions in the database (replied: true,
closed without reply: false). Prints cross-validated precision, recall and
F1, then writes the model file that `triage: {model: PATH}` names.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.triage import training
from bot.triage.corpus import BadRow, labelled_rows


def _rows_from_database(config: Path) -> list[dict]:
    from bot.app.cli.triage_cmd import _ConfigProblem, load_config
    from bot.app.settings import Settings
    from bot.store.db import Database
    from bot.triage.decisions import decision_rows

    try:
        ws = load_config(config)
    except _ConfigProblem as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None

    async def read() -> list[dict]:
        db = await Database(Settings().database_url).start()
        try:
            return await decision_rows(db, ws)
        finally:
            await db.close()

    return asyncio.run(read())


def learn(
    file: Annotated[Path | None, typer.Argument(help="Labelled JSON lines: text, needs_response, optional intent.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model file.")] = Path("triage-model.json"),
    from_database: Annotated[bool, typer.Option("--from-database", help="Learn from the team's decisions instead.")] = False,
    config: Annotated[Path, typer.Option("--config", "-c", help="The workspace file (for --from-database).")] = Path("rejoinder.yaml"),
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
) -> None:
    """Retrain triage from labelled posts; print cross-validated scores and write the model file."""
    if (file is None) == (not from_database):
        typer.echo("give a labelled JSONL file or --from-database (one of them)", err=True)
        raise typer.Exit(code=2)
    if file is not None:
        try:
            rows = labelled_rows(file)
        except OSError as exc:
            typer.echo(f"{file}: cannot read the file: {exc.strerror or exc}", err=True)
            raise typer.Exit(code=2) from None
        except BadRow as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(code=2) from None
        source = str(file)
    else:
        rows = _rows_from_database(config)
        source = "the team's decisions (replied / closed without reply)"
    try:
        training.check_rows(rows)
    except ValueError as exc:
        typer.echo(f"cannot learn from {source}: {exc}", err=True)
        raise typer.Exit(code=2) from None
    positives = sum(1 for r in rows if r["needs_response"])
    typer.echo(f"{len(rows)} labelled posts from {source}: {positives} need a response, {len(rows) - positives} do not")
    scores = training.cross_validate(rows, folds=folds)
    typer.echo(f"cross-validated over {scores.folds} folds: precision {scores.precision:.3f}  "
               f"recall {scores.recall:.3f}  F1 {scores.f1:.3f}")
    spec = training.fit(rows, trained_on=source)
    training.write(spec, out)
    typer.echo(f"wrote {out}; use it with `triage: {{model: {out}}}` in rejoinder.yaml")
