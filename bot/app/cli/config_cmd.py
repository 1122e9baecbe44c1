"""`rejoinder init` and `rejoinder config check`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.config.loader import ConfigError, ConfigIssue, check_environment, load_workspace, starter_text
from bot.app.settings import Settings

ENV_SOURCE = "environment"


def _console(stderr: bool = False) -> Console:
    # Plain text when not a terminal (pipes, CI); markup off because messages
    # contain brackets like routes[2].
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def init(
    path: Annotated[Path, typer.Option("--path", help="Where to write the workspace file.")] = Path("rejoinder.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter rejoinder.yaml to edit."""
    if path.exists() and not force:
        _console(stderr=True).print(f"{path} already exists; not overwriting it (use --force to replace it).",
                                    markup=False)
        raise typer.Exit(code=1)
    try:
        path.write_text(starter_text(), encoding="utf-8")
    except OSError as exc:
        _console(stderr=True).print(f"cannot write {path}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(code=1) from None
    out = _console()
    out.print(f"Wrote {path}.", markup=False)
    out.print("Edit teams and routes, put tokens in .env, then run: rejoinder config check", markup=False)


def settings_issues(exc: ValidationError) -> list[ConfigIssue]:
    """Settings errors named by their environment variable (inputs are hidden)."""
    issues = []
    for err in exc.errors(include_url=False, include_input=False):
        name = str(err["loc"][0]).upper() if err["loc"] else ""
        issues.append(ConfigIssue(ENV_SOURCE, None, None, name, err["msg"].removeprefix("Value error, ")))
    return issues


def check(
    config: Annotated[Optional[Path], typer.Option("--config", help="The workspace file (default: REJOINDER_CONFIG or rejoinder.yaml).")] = None,
    role: Annotated[str, typer.Option("--role", help="The roles the process will run (see `rejoinder run --role`).")] = "all",
) -> None:
    """Check rejoinder.yaml and the environment; print every problem found."""
    from bot.cluster.roles import parse_roles
    from bot.cluster.topology import topology_problems

    out = _console()
    issues: list[ConfigIssue] = []
    settings = None
    try:
        settings = Settings()
    except ValidationError as exc:
        issues += settings_issues(exc)
    path = config or (settings.config_path if settings else Path("rejoinder.yaml"))
    workspace = None
    try:
        workspace = load_workspace(path)
        if settings is not None:
            issues += check_environment(workspace, settings)
    except ConfigError as exc:
        issues += exc.issues
    except Exception as exc:  # noqa: BLE001 - a check must end in a report, never a traceback
        workspace = None
        issues.append(ConfigIssue(str(path), None, None, "", f"could not be checked ({type(exc).__name__}: {str(exc)[:200]})"))
    if settings is not None:
        try:
            issues += [ConfigIssue(ENV_SOURCE, None, None, "deployment", p) for p in topology_problems(settings, parse_roles(role))]
        except ValueError as exc:
            issues.append(ConfigIssue(ENV_SOURCE, None, None, "--role", str(exc)))
    for issue in issues:
        out.print(str(issue), markup=False)
    if issues:
        out.print(f"{len(issues)} problem{'s' if len(issues) != 1 else ''} found.", markup=False)
        raise typer.Exit(code=1)
    assert workspace is not None and settings is not None
    out.print(
        f"OK: {path}: {_count(workspace.teams, 'team')}, {_count(workspace.routes, 'route')}, "
        f"{_count(workspace.sources, 'source')}",
        markup=False,
    )
    for name, value in settings.redacted_summary().items():
        out.print(f"  {name}: {value}", markup=False)


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    config_app = typer.Typer(help="Inspect the workspace configuration.", no_args_is_help=True)
    config_app.command("check")(check)
    app.add_typer(config_app, name="config")
