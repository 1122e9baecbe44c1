"""Skills for the system of record: link and unlink a handle to a CRM contact."""
from __future__ import annotations

from bot.crm.links import Links, parse
from skills.registry import INTERNAL, SkillContext, skill


def _links(ctx: SkillContext) -> Links:
    return Links(ctx.core, getattr(ctx.core.cards, "crm", None))


@skill("link", "[case] @handle to email", "Link a social handle to the CRM contact with this email.", INTERNAL,
       needs_case=False)
async def link(ctx: SkillContext) -> str:
    req = parse(ctx.args, ctx.case_id)
    if req is None or not req.email:
        return "Usage: `link @handle to jane@example.com` (or `link x:handle to ...`; in a case's thread it uses the case's network)."
    return await _links(ctx).link(ctx.core.actor(ctx.user), req)


@skill("unlink", "[case] @handle", "Remove a handle's link to a CRM contact.", INTERNAL, needs_case=False)
async def unlink(ctx: SkillContext) -> str:
    req = parse(ctx.args, ctx.case_id)
    if req is None or req.email:
        return "Usage: `unlink @handle` (or `unlink x:handle`)."
    return await _links(ctx).unlink(ctx.core.actor(ctx.user), req)
