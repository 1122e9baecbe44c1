"""Checks the schema cannot express, run on the raw data so that every problem
is reported at once with its line: names used twice, references to unknown
teams, workflows and stages, and files that do not exist (relative to the
workspace file). A missing replay file is an error, not a warning: a source
that cannot start is exactly the kind of mistake to catch before the service
runs. Also what a loaded workspace needs from the environment.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config.issues import ConfigIssue, Loc, SourceMap, source_map_for, suggest
from pydantic import BaseModel

from bot.config.chat_ids import discord_id_problems
from bot.config.crm_checks import crm_environment_problems, crm_reference_problems
from bot.config.workspace import DEFAULT_ACTIONS, DEFAULT_STAGES, Workspace
from bot.app.settings import Settings


def _mappings(data: Any, key: str) -> list[tuple[int, dict]]:
    items = data.get(key) if isinstance(data, dict) else None
    return [(i, v) for i, v in enumerate(items) if isinstance(v, dict)] if isinstance(items, list) else []


def reference_problems(data: dict) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []

    def unique(section: str, noun: str) -> list[str]:
        seen: dict[str, int] = {}
        for i, item in _mappings(data, section):
            name = item.get("name")
            if isinstance(name, str) and name in seen:
                out.append(((section, i, "name"), f"{noun} name {name!r} is used twice (first at {section}[{seen[name]}])"))
            elif isinstance(name, str):
                seen[name] = i
        return list(seen)

    teams = unique("teams", "team")
    unique("routes", "route")
    unique("sources", "source")
    workflows = data.get("workflows")
    workflows = workflows if isinstance(workflows, dict) else {}
    known_workflows = ["default", *(w for w in workflows if w != "default")]
    for i, team in _mappings(data, "teams"):
        wf = team.get("workflow", "default")
        if isinstance(wf, str) and wf not in known_workflows:
            out.append((("teams", i, "workflow"), f"team {team.get('name')!r} uses unknown workflow {wf!r}"
                        + suggest(wf, known_workflows, "workflows are")))
    for i, route in _mappings(data, "routes"):
        team = route.get("team")
        if isinstance(team, str) and team not in teams:
            out.append((("routes", i, "team"), f"route {route.get('name')!r} sends to unknown team {team!r}"
                        + suggest(team, teams, "teams are")))
    out += discord_id_problems(data)
    for name, wf in workflows.items():
        if isinstance(wf, dict):
            out += [(("workflows", name) + p, m) for p, m in _workflow_problems(wf)]
    out += _insight_team_problems(data, teams)
    return out + crm_reference_problems(data)


def _insight_team_problems(data: dict, teams: list[str]) -> list[tuple[Loc, str]]:
    """Teams named by reports, spikes, SLA overrides and crisis workflows must exist."""
    named: list[tuple[Loc, Any]] = [(("reports", i, "team"), r.get("team")) for i, r in _mappings(data, "reports")]
    spikes, sla = data.get("spikes"), data.get("sla")
    if isinstance(spikes, dict) and "team" in spikes:
        named.append((("spikes", "team"), spikes["team"]))
    if isinstance(sla, dict) and isinstance(sla.get("teams"), dict):
        named += [(("sla", "teams", k), k) for k in sla["teams"]]
    for i, team in _mappings(data, "teams"):
        crisis = team.get("crisis")
        if isinstance(crisis, dict) and "team" in crisis:
            named.append((("teams", i, "crisis", "team"), crisis["team"]))
    return [(loc, f"unknown team {name!r}" + suggest(name, teams, "teams are"))
            for loc, name in named if isinstance(name, str) and name not in teams]


def _workflow_problems(wf: dict) -> list[tuple[Loc, str]]:
    stages = wf.get("stages", DEFAULT_STAGES)
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        return []
    out: list[tuple[Loc, str]] = []

    def check(path: Loc, stage: Any, what: str) -> None:
        if isinstance(stage, str) and stage not in stages:
            out.append((path, f"{what} {stage!r} is not in stages" + suggest(stage, stages, "stages are")))

    check(("initial",), wf.get("initial", "new"), "initial stage")
    transitions = wf.get("transitions")
    for i, tr in enumerate(transitions if isinstance(transitions, list) else []):
        if isinstance(tr, dict):
            check(("transitions", i, "from"), tr.get("from"), "transition stage")
            targets = tr.get("to")
            if isinstance(targets, list):
                for j, stage in enumerate(targets):
                    check(("transitions", i, "to", j), stage, "transition stage")
            else:
                check(("transitions", i, "to"), targets, "transition stage")
    actions = wf.get("actions")
    for action, stage in (actions.items() if isinstance(actions, dict) else []):
        if action not in DEFAULT_ACTIONS:
            out.append((("actions", action), f"unknown action {action!r}" + suggest(str(action), list(DEFAULT_ACTIONS), "actions are")))
        else:
            check(("actions", action), stage, f"action {action!r} targets stage")
    return out


def file_problems(data: dict, smap: SourceMap, base: Path) -> list[ConfigIssue]:
    out = []
    guidelines = data.get("guidelines")
    document = guidelines.get("document") if isinstance(guidelines, dict) else None
    if isinstance(document, str) and not (base / document).is_file():
        out.append(smap.issue(("guidelines", "document"), f"file {document!r} not found (looked for {base / document})"))
    triage = data.get("triage")
    model = triage.get("model") if isinstance(triage, dict) else None
    if isinstance(model, str):
        from bot.triage.model import file_problem

        problem = file_problem(base / model)
        if problem:
            out.append(smap.issue(("triage", "model"), problem))
    for i, source in _mappings(data, "sources"):
        if source.get("type") != "replay":
            continue
        path, output = source.get("path"), source.get("output", "replies.jsonl")
        if isinstance(path, str) and not (base / path).is_file():
            out.append(smap.issue(("sources", i, "path"), f"replay file {path!r} not found (looked for {base / path})"))
        if isinstance(output, str) and not (base / output).parent.is_dir():
            out.append(smap.issue(("sources", i, "output"), f"folder for {output!r} does not exist"))
    return out


# --- what the workspace needs from the environment ------------------------------


def check_environment(ws: Workspace, settings: Settings) -> list[ConfigIssue]:
    """Secrets the workspace relies on that are not set (environment or .env)."""
    smap = source_map_for(ws) or SourceMap("<workspace>", {})
    issues: list[ConfigIssue] = []

    def need(platform: str, var: str, why: str) -> None:
        teams = [(i, t.name) for i, t in enumerate(ws.teams) if t.platform == platform]
        if teams:
            names = ", ".join(repr(n) for _, n in teams)
            who = f"teams {names} use" if len(teams) > 1 else f"team {names} uses"
            issues.append(smap.issue(("teams", teams[0][0], "platform"),
                                     f"{who} {platform}: set {var} in the environment or .env ({why})"))

    if settings.slack_bot_token is None:
        need("slack", "SLACK_BOT_TOKEN", "the bot token, xoxb-...")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        need("slack", "SLACK_APP_TOKEN", "xapp-... for Socket Mode, or SLACK_SIGNING_SECRET for HTTP events")
    if settings.discord_bot_token is None:
        need("discord", "DISCORD_BOT_TOKEN", "the bot token from the Developer Portal's Bot page")
    for i, source in enumerate(ws.sources):
        issues += [smap.issue(("sources", i, field), message) for field, message in _secret_problems(source, settings)]
    issues += crm_environment_problems(ws, lambda var: settings.env_secret(var) is not None, smap)
    if ws.triage.llm_daily_budget and settings.openai_api_key is None:
        issues.append(smap.issue(("triage", "llm_daily_budget"), "LLM triage has a budget but no model: set "
                                 "OPENAI_API_KEY in the environment or .env (or remove llm_daily_budget)"))
    return issues


# A login is optional (without it a source only listens), but half a login is a mistake.
LOGINS = {
    "bluesky": ("handle_env", "password_env"),
    "reddit": ("username_env", "password_env"),
    "x": ("consumer_key_env", "consumer_secret_env", "access_token_env", "access_token_secret_env"),
}
SECRET_WORDS = {"secret_env": "its secret", "handle_env": "its login handle", "username_env": "its username",
                "client_id_env": "its client id", "client_secret_env": "its client secret",
                "access_token_env": "its access token", "bearer_token_env": "its bearer token",
                "consumer_key_env": "its consumer key", "consumer_secret_env": "its consumer secret",
                "access_token_secret_env": "its access token secret"}


def _secret_problems(source: BaseModel, settings: Settings) -> list[tuple[str, str]]:
    """Every `*_env` field a source sets must name a variable that is set."""
    kind, name = source.type, source.name
    out: list[tuple[str, str]] = []
    login = LOGINS.get(kind, ())
    given = [f for f in login if getattr(source, f)]
    if given and len(given) < len(login):
        for missing in (f for f in login if f not in given):
            out.append((missing, f"{kind} source {name!r} sets {', '.join(given)} but not {missing}; "
                                 "set all of them to reply as the brand account, or none to only listen"))
    for field in type(source).model_fields:
        var = getattr(source, field)
        if field.endswith("_env") and var and settings.env_secret(var) is None:
            what = SECRET_WORDS.get(field, "its app password" if kind == "bluesky" else "its password")
            out.append((field, f"{kind} source {name!r} reads {what} from {var}, which is not set"))
    return out
