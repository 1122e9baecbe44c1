"""Skills that look things up: case, lookup, watch, help (stats live in skills/insights.py)."""
from __future__ import annotations

from sqlalchemy import delete, select

from bot.cases.approval_policy import NotAllowed
from bot.store import tables as t
from bot.chat.text_view import card_lines, customer_lines
from skills.registry import ADMINS, EVERYONE, INTERNAL, SkillContext, registry, skill


@skill("case", "<case>", "Show a case's card (an incident's lists every case folded into it).", EVERYONE)
async def case(ctx: SkillContext) -> str:
    card = await ctx.core.card_for(ctx.case_id, ctx.user)
    return "\n".join(card_lines(card, folded_shown=None)) if card else f"There is no case {ctx.case_id}."


@skill("lookup", "<@handle | network:handle | email>", "Show a customer's 360° view.", INTERNAL, needs_case=False)
async def lookup(ctx: SkillContext) -> str:
    if not ctx.args:
        return "Look up whom? e.g. `lookup @maria_k` or `lookup maria@example.com`."
    crm = getattr(ctx.core.cards, "crm", None)
    async with ctx.core.db.sessions() as s:
        cid = await ctx.core.directory.find(s, ctx.args)
        view = await ctx.core.directory.view(s, cid) if cid else None
        panels = await crm.known(s, ctx.args, cid) if crm is not None else []
    lines = customer_lines(view) if view else []
    if panels:
        from bot.crm.view import crm_lines

        lines += [line for panel in panels for line in crm_lines(panel)]
    return "\n".join(lines) if lines else f"No customer matches {ctx.args}."


@skill("watch", "list | add <term> | remove <term>", "Extra terms the sources listen for.", INTERNAL, needs_case=False)
async def watch(ctx: SkillContext) -> str:
    verb, _, term = ctx.args.partition(" ")
    term = term.strip().casefold()
    if verb in ("add", "remove") and not ctx.roles & ADMINS:
        raise NotAllowed("Changing watched terms needs the admin role.")
    async with ctx.core.db.transaction() as s:
        if verb == "add" and term:
            if await s.get(t.Watch, term) is None:
                s.add(t.Watch(term=term, added_by=ctx.user.id, at=ctx.core.clock.now()))
            return f"Now watching {term!r}."
        if verb == "remove" and term:
            await s.execute(delete(t.Watch).where(t.Watch.term == term))
            return f"No longer watching {term!r}."
        if verb in ("", "list"):
            terms = (await s.execute(select(t.Watch.term).order_by(t.Watch.term))).scalars().all()
            return "Watched terms: " + (", ".join(terms) if terms else "none added from chat")
    return "Usage: watch list | watch add <term> | watch remove <term>"


@skill("help", "", "What you can do here.", EVERYONE, needs_case=False)
async def help_(ctx: SkillContext) -> str:
    lines = [f"You act as {ctx.user.name} ({', '.join(sorted(ctx.roles))}). Commands:"]
    lines += [f"  {s.name} {s.usage} — {s.summary}" for s in registry.allowed(ctx.roles)]
    return "\n".join(lines)
