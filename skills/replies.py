"""Skills around the reply: draft, redraft, edit, suggest, approve, reject."""
from __future__ import annotations

from skills.registry import APPROVERS, EVERYONE, INTERNAL, SkillContext, skill


@skill("draft", "<case> [instruction]", "Draft a reply from the customer context and the guidelines.", INTERNAL)
async def draft(ctx: SkillContext) -> str:
    return await ctx.core.draft(ctx.case_id, ctx.core.actor(ctx.user), ctx.args or None)


@skill("redraft", "<case> <instruction>", "Draft again with an instruction, e.g. `redraft 12 shorter and warmer`.", INTERNAL)
async def redraft(ctx: SkillContext) -> str:
    return await ctx.core.draft(ctx.case_id, ctx.core.actor(ctx.user), ctx.args or "another variant")


@skill("edit", "<case> <reply text>", "Replace the draft with your own text (checked by the guardrails).", INTERNAL)
async def edit(ctx: SkillContext) -> str:
    return await ctx.core.write_draft(ctx.case_id, ctx.core.actor(ctx.user), ctx.args, "human")


@skill("suggest", "<case> <reply text>", "Suggest a reply; an approver decides.", EVERYONE)
async def suggest(ctx: SkillContext) -> str:
    return await ctx.core.write_draft(ctx.case_id, ctx.core.actor(ctx.user), ctx.args, "suggestion")


@skill("approve", "<case>", "Approve the current draft; it is published when enough approvers agree.", APPROVERS)
async def approve(ctx: SkillContext) -> str:
    return await ctx.core.approve(ctx.case_id, ctx.core.actor(ctx.user))


@skill("reject", "<case> <reason>", "Reject the current draft and say why.", APPROVERS)
async def reject(ctx: SkillContext) -> str:
    return await ctx.core.reject(ctx.case_id, ctx.core.actor(ctx.user), ctx.args)
