"""Skills that move or annotate a case: note, assign, escalate, resolve, close."""
from __future__ import annotations

from skills.registry import EVERYONE, INTERNAL, SkillContext, skill


@skill("note", "<case> <text>", "Add an internal note (never published).", EVERYONE)
async def note(ctx: SkillContext) -> str:
    return await ctx.core.note(ctx.case_id, ctx.core.actor(ctx.user), ctx.args)


@skill("assign", "<case> <person>", "Assign the case to a person.", INTERNAL)
async def assign(ctx: SkillContext) -> str:
    who = ctx.args.strip().lstrip("@")
    if not who:
        return "Assign to whom? e.g. `assign 12 dana`."
    return await ctx.core.assign(ctx.case_id, ctx.core.actor(ctx.user), ctx.person(who))


@skill("escalate", "<case> [reason]", "Escalate the case (e.g. to legal or a lead).", INTERNAL)
async def escalate(ctx: SkillContext) -> str:
    reason = ctx.args or "no reason given"
    line = f"{ctx.user.name} escalated case {ctx.case_id}: {reason}"
    return await ctx.core.move(ctx.case_id, ctx.core.actor(ctx.user), "escalate", line, reason=reason)


@skill("resolve", "<case> [note]", "Mark the case resolved.", INTERNAL)
async def resolve(ctx: SkillContext) -> str:
    line = f"{ctx.user.name} resolved case {ctx.case_id}" + (f": {ctx.args}" if ctx.args else ".")
    return await ctx.core.move(ctx.case_id, ctx.core.actor(ctx.user), "resolve", line, note=ctx.args)


@skill("close", "<case> [reason]", "Close the case without replying (noise, spam, handled elsewhere).", INTERNAL)
async def close(ctx: SkillContext) -> str:
    line = f"{ctx.user.name} closed case {ctx.case_id} without a reply" + (f": {ctx.args}" if ctx.args else ".")
    return await ctx.core.move(ctx.case_id, ctx.core.actor(ctx.user), "close", line, reason=ctx.args)
