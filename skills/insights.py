"""Skills for seeing the whole picture: stats with a chart, advocates and
thanking them, crisis mode and its holding reply."""
from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from bot.cases.approval_policy import NotAllowed
from bot.config.workspace import parse_duration
from bot.insights import advocates as adv
from bot.insights.charts import bars, png
from bot.insights.reports.figures import Figures, Scope
from bot.publishing.outbox import enqueue
from skills.registry import ADMINS, INTERNAL, SkillContext, skill

THANKS = ("Thank them warmly and personally for their kind words and for sticking with us; "
          "no offer, no promise, no link.")


def _parse_stats(ctx: SkillContext) -> tuple[list[str] | None, list[str] | None, timedelta, str]:
    teams, routes, since, what = None, None, timedelta(days=1), "all teams"
    team_names = {team.name for team in ctx.core.ws.teams}
    route_names = {route.name for route in ctx.core.ws.routes}
    for word in ctx.args.split():
        kind, _, name = word.rpartition(":")  # `route:sales` when a team has the same name
        if kind in ("", "team") and name in team_names:
            teams, what = [name], f"team {name}"
        elif kind in ("", "route") and name in route_names:
            routes, what = [name], f"route {name}"
        else:
            try:
                since = parse_duration(word)
            except ValueError:
                raise NotAllowed(f"{word!r} is neither a team, a route nor a period like 24h or 7d. "
                                 "Usage: stats [team|route] [since]") from None
    return teams, routes, since, what


@skill("stats", "[team|route|route:<name>] [since]", "Volume, sentiment, stages and first response against the SLA, with a chart.",
       INTERNAL, needs_case=False)
async def stats(ctx: SkillContext) -> str:
    teams, routes, since, what = _parse_stats(ctx)
    now = ctx.core.clock.now()
    scope = Scope(now - since, now + timedelta(seconds=1), teams, routes=routes)
    async with ctx.core.db.sessions() as s:
        f = Figures(s, scope)
        by_route, by_network, sentiment = await f.volume("route"), await f.volume("network"), await f.sentiment()
        stages = await f.stages()
        first = await f.times("first_response", "First response")
        breached = await f.breached(now)
    by_team = await f.volume("team") if teams is None else by_route
    mentions = sum(by_network.column("mentions"))
    feel = [sum(sentiment.column(k)) for k in ("negative", "neutral", "positive")]
    within, after = sum(first.column("within_sla")), sum(first.column("after_sla"))
    listed = lambda table: ", ".join(f"{k} {v}" for k, v in table.rows) or "none"  # noqa: E731
    lines = [f"Stats for {what}, last {_span(since)}:",
             f"cases: {sum(stages.column('cases'))} · SLA breached: {breached}",
             "routed: " + (listed(by_team) if teams is None else f"{teams[0]} {mentions}"),
             f"mentions: {mentions} ({listed(by_network)})",
             "stages: " + listed(stages),
             f"sentiment: negative {feel[0]}, neutral {feel[1]}, positive {feel[2]}",
             f"first response within SLA: {within} of {within + after}"
             + (f" ({within / (within + after):.0%})" if within + after else "")]
    # Where the platform shows images: the channel asked from, or the console's own files.
    channel = ctx.channel or ("console" if ctx.user.platform == "console" else None)
    if by_route.rows and channel:
        chart = png(bars(f"Mentions by route, last {_span(since)}", by_route.column("route"),
                         {"mentions": by_route.column("mentions")}, "route", "mentions"))
        token = uuid.uuid4().hex
        async with ctx.core.db.transaction() as s:  # the file's own name: a retry after a doubt looks for it
            enqueue(s, "chat.file", f"file:{token}", now, payload={
                "platform": ctx.user.platform, "channel": channel, "filename": f"stats-{token[:10]}.png",
                "title": f"Stats for {what}", "data": base64.b64encode(chart).decode()})
        lines.append("(chart posted in this channel)" if ctx.channel else "(chart written to a file)")
    return "\n".join(lines)


def _span(since: timedelta) -> str:
    hours = since.total_seconds() / 3600
    return f"{hours:g}h" if hours < 48 else f"{hours / 24:g}d"


@skill("advocates", "[@handle | since]", "The brand's advocates, or one advocate's history.", INTERNAL, needs_case=False)
async def advocates(ctx: SkillContext) -> str:
    arg = ctx.args.strip()
    async with ctx.core.db.sessions() as s:
        if arg.startswith("@"):
            posts = await adv.history(s, arg)
            if not posts:
                return f"No posts from {arg}."
            return "\n".join([f"{arg}: latest posts"] + [
                f"  {when:%Y-%m-%d %H:%M} {network} {'+' if score >= adv.POSITIVE else '-' if score <= adv.NEGATIVE else '·'} "
                f"{text[:100]}" + (f" (case #{case})" if case else "") for when, network, score, text, case in posts])
        since = ctx.core.clock.now() - (parse_duration(arg) if arg else timedelta(days=90))
        board = await adv.leaderboard(s, since)
    if not board:
        return "No advocates yet: nobody has posted positively more than once in that period."
    lines = ["Advocates (positive posts × reach):"]
    lines += [f"  {i}. @{a.handle} ({a.network}, {a.followers:,} followers): {a.positive} positive posts, score {a.score}"
              for i, a in enumerate(board, start=1)]
    return "\n".join(lines + ["`advocates @handle` shows one's history; `thank <case>` drafts a thank-you."])


@skill("thank", "<case>", "Draft a thank-you reply to an advocate (guarded and approved like any draft).", INTERNAL)
async def thank(ctx: SkillContext) -> str:
    return await ctx.core.draft(ctx.case_id, ctx.core.actor(ctx.user), THANKS)


@skill("crisis", "<route> on|off", "Switch a route to its team's crisis workflow, or back.", ADMINS, needs_case=False)
async def crisis(ctx: SkillContext) -> str:
    words = ctx.args.split()
    routes = {route.name: route for route in ctx.core.ws.routes}
    if len(words) != 2 or words[1] not in ("on", "off") or words[0] not in routes:
        on = ", ".join(sorted(ctx.core.crisis.on)) or "none"
        return f"Usage: crisis <route> on|off (routes in crisis now: {on})"
    route, on = routes[words[0]], words[1] == "on"
    cfg = ctx.core.crisis.config(route.team)
    if on and cfg is None:
        raise NotAllowed(f"Team {route.team} has no crisis workflow: add `crisis:` to the team in the workspace file.")
    await ctx.core.crisis.switch(ctx.core.db, route.name, on, ctx.user.id, ctx.core.clock.now())
    if not on:
        return f"Route {route.name} is back to its normal workflow."
    return (f"Route {route.name} is in crisis mode: new cases go to {cfg.team or route.team}, labelled crisis, "
            f"{cfg.approvers_required} approvers each; each case with a new post gets the holding reply as its draft.")


@skill("holding", "<case>", "Draft the team's crisis holding reply for a case.", INTERNAL)
async def holding(ctx: SkillContext) -> str:
    async with ctx.core.db.sessions() as s:
        case = await ctx.core.cases.get(s, ctx.case_id)
    # The crisis workflow is the one of the team that owns the route (the case may now sit with PR).
    owner = next((route.team for route in ctx.core.ws.routes if route.name == case.route), case.team)
    cfg = ctx.core.crisis.config(owner) or ctx.core.crisis.config(case.team)
    if cfg is None:
        raise NotAllowed(f"Team {case.team} has no crisis holding reply configured.")
    text = ctx.core.drafts.signed(cfg.holding_reply, ctx.user.name)
    return await ctx.core.write_draft(ctx.case_id, ctx.core.actor(ctx.user), text, "template:crisis")
