"""A case card as Discord embeds: the case (mention, facts, customer) and,
when there is one, the draft with its guardrail findings; plus the
dashboard `/rejoinder home` shows. Every piece of outside text goes through
`inert`/`flat`, so nothing from the public can ping, link or style.

The buttons under the card are in `components`.
"""
from __future__ import annotations

import re
from datetime import datetime

import discord

from bot.chat.text_view import case_list
from bot.crm.view import crm_lines
from bot.types import Card, CaseSummary, CustomerView, DraftView, HomeView

from integrations.chat.common import join_lines
from integrations.chat.discord.text import (
    EMBED_DESCRIPTION, EMBED_FIELDS, EMBED_TITLE, EMBED_TOTAL, FIELD_NAME, FIELD_VALUE, FOOTER, flat, inert, number,
    person, safe_url, when, words,
)

FOOTER_PREFIX = "Rejoinder case #"  # find_card recognises our card by it
FOOTER_PATTERN = re.compile(r"^Rejoinder case #(\d+)\b")
DRAFT_SHOWN = 3000  # of a long draft on the card; the Edit modal shows all of it
FOLDED_SHOWN = 30
COLOURS = {"urgent": 0xE01E5A, "high": 0xECB22E, "normal": 0x1D9BD1, "low": 0x8D8D8D}
SENTIMENT_ICON = {"negative": "🔴", "neutral": "⚪", "positive": "🟢"}
EDITED = "✏️ *Edited by its author* · the text above is the latest version"
DELETED = "🗑️ **Deleted by its author** · a public reply can no longer be attached to it"


def summary(card: Card) -> str:
    """The message content above the embeds: what a notification shows."""
    return f"Case #{card.case_id} ({card.priority}) on {flat(card.network, 32)} from @{flat(card.author.handle, 80)}"


def card_embeds(card: Card, now: datetime | None = None) -> list[discord.Embed]:
    embed = discord.Embed(title=_title(card), url=safe_url(card.mention_url),
                          colour=COLOURS.get(card.priority, COLOURS["normal"]), description=_mention(card))
    author = card.author
    who = f"{author.name} (@{author.handle})" if author.name else f"@{author.handle}"
    who = who.replace("<", "‹").replace(">", "›")  # the author line is plain text: nothing to escape but look-alike mentions
    embed.set_author(name=" ".join(f"{who} · {number(author.followers)} followers".split())[:EMBED_TITLE],
                     url=safe_url(author.url))
    sentiment = f"{SENTIMENT_ICON.get(card.sentiment_label, '')} {words(card.sentiment_label)} ({card.sentiment:+.2f})"
    for name, value in (("Stage", words(card.stage)), ("Priority", flat(card.priority, 20)),
                        ("Sentiment", sentiment.strip()), ("Route", f"{flat(card.route, 60)} → {flat(card.team, 40)}"),
                        ("Assignee", person(card.assignee)),
                        ("SLA", when(card.sla_due_at, now) if card.sla_due_at else "none")):
        embed.add_field(name=name, value=value, inline=True)
    if tags := _tags(card):
        embed.add_field(name="Tags", value=tags, inline=False)
    for name, value in _incident(card):
        embed.add_field(name=name, value=value, inline=False)
    if card.customer is not None:
        for name, value in _customer(card.customer):
            embed.add_field(name=name, value=value, inline=False)
    if card.crm is not None and (lines := crm_lines(card.crm)):  # outside data: inert text
        embed.add_field(name="CRM", value=inert("\n".join(lines), FIELD_VALUE), inline=False)
    embed.set_footer(text=f"{FOOTER_PREFIX}{card.case_id} · {flat(card.network, 32)}"[:FOOTER])
    embeds = [embed]
    if card.draft is not None:
        embeds.append(draft_embed(card.draft))
    return fit(embeds)


def _title(card: Card) -> str:
    urgent = "🚨 " if card.priority == "urgent" else ""
    return f"{urgent}Case #{card.case_id} · {flat(card.network, 32)} · {flat(card.priority, 20)}"[:EMBED_TITLE]


def _mention(card: Card) -> str:
    parts = [inert(card.mention_text or "(no text)", 3500)]
    parts += [mark for flag, mark in ((card.mention_edited, EDITED), (card.mention_deleted, DELETED)) if flag]
    if card.mentions_in_case > 1:
        parts.append(f"*{card.mentions_in_case} mentions in this conversation*")
    return "\n\n".join(parts)[:EMBED_DESCRIPTION]


def _tags(card: Card) -> str:
    parts = []
    if card.matched:
        parts.append("**Matched:** " + ", ".join(flat(m, 80) for m in card.matched[:20]))
    if card.labels:
        parts.append("**Labels:** " + ", ".join(words(x) for x in card.labels[:20]))
    if card.flags:
        parts.append("**Flags:** " + ", ".join(words(x) for x in card.flags[:20]))
    return join_lines(parts, FIELD_VALUE)


def _incident(card: Card) -> list[tuple[str, str]]:
    if card.incident_count <= 0:
        return [("Incident", f"Folded into incident #{card.incident_of}.")] if card.incident_of else []
    lines = [f"⚠️ {card.incident_count} similar mentions in a short time"]
    lines += [f"“{flat(s, 200)}”" for s in card.incident_samples[:5] if s]
    if card.folded_cases:
        more = len(card.folded_cases) > FOLDED_SHOWN
        lines.append(f"Folded here: {case_list(card.folded_cases, FOLDED_SHOWN)}"
                     + (f" · `/rejoinder case {card.case_id}` lists them all" if more else ""))
    return [("Incident", join_lines(lines, FIELD_VALUE))]


def _customer(customer: CustomerView) -> list[tuple[str, str]]:
    money = "hidden" if customer.lifetime_value is None else number(customer.lifetime_value)
    lines = [f"{flat(customer.name, 200)} · **Tier:** {flat(customer.tier, 40)} · **Lifetime value:** {money}"]
    if customer.open_cases:
        lines.append("**Open cases:** " + ", ".join(f"#{n}" for n in customer.open_cases[:20]))
    for order in customer.recent_orders[:5]:
        total = "amount hidden" if order.total is None else f"{number(order.total)} {flat(order.currency, 8)}"
        lines.append(f"• Order {flat(order.number, 40)} · {order.placed_at:%Y-%m-%d} · {total} · {flat(order.status, 40)}")
    lines += [f"↳ {flat(e, 200)}" for e in customer.earlier_interactions[:5] if e]
    if customer.redacted:
        lines.append("*Some customer details are hidden in this channel.*")
    return [("Customer", join_lines(lines, FIELD_VALUE))]


def draft_embed(draft: DraftView) -> discord.Embed:
    state = " · ⛔ **blocked**" if draft.blocked else ""
    embed = discord.Embed(title=f"Draft v{draft.version}"[:EMBED_TITLE], description=inert(draft.text, DRAFT_SHOWN),
                          colour=0xE01E5A if draft.blocked else 0x2EB67D)
    embed.add_field(name="By", value=f"{flat(draft.author, 80)} ({flat(draft.source, 60)})", inline=True)
    approved = ", ".join(flat(a, 60) for a in draft.approvals) or "none yet"
    embed.add_field(name="Approvals", value=f"{len(draft.approvals)}/{draft.approvals_required}{state} · {approved}"[:FIELD_VALUE],
                    inline=True)
    if draft.findings:
        embed.add_field(name="Guardrail findings", value=findings_text(draft, FIELD_VALUE), inline=False)
    return embed


def findings_text(draft: DraftView, limit: int) -> str:
    lines = [f"{'⛔ BLOCKED' if f.severity == 'block' else '⚠️ warning'} · {flat(f.rule, 60)}: {flat(f.reason, 400)}"
             for f in draft.findings]
    return join_lines(lines, limit) if lines else "No findings."


def fit(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """Discord refuses a message whose embeds hold more than 6000 characters:
    shorten the longest descriptions until they fit."""
    while sum(len(e) for e in embeds) > EMBED_TOTAL:
        longest = max(embeds, key=lambda e: len(e.description or ""))
        text = longest.description or ""
        if len(text) < 200:
            for e in embeds:
                e.remove_field(len(e.fields) - 1) if len(e.fields) > 6 else None
            break
        longest.description = text[: len(text) - (sum(len(e) for e in embeds) - EMBED_TOTAL) - 2] + "…"
    for e in embeds:
        while len(e.fields) > EMBED_FIELDS:
            e.remove_field(len(e.fields) - 1)
    return embeds


def home_embed(view: HomeView, now: datetime | None = None) -> discord.Embed:
    """Each person's dashboard (Discord has no App Home): my work first, then the day."""
    embed = discord.Embed(title=f"Rejoinder · {flat(view.user.name, 200)}"[:EMBED_TITLE], colour=COLOURS["normal"])
    for title, cases in (("Assigned to me", view.assigned_to_me), ("Awaiting my approval", view.awaiting_my_approval),
                         ("SLA breaches", view.sla_breaches)):
        embed.add_field(name=f"{title} ({len(cases)})"[:FIELD_NAME], value=_case_lines(cases, now), inline=False)
    volume = ", ".join(f"{flat(team, 40)}: {n}" for team, n in sorted(view.volume_today.items())) or "no mentions yet"
    mix = ", ".join(f"{SENTIMENT_ICON.get(label, '')} {label}: {view.sentiment_mix.get(label, 0)}"
                    for label in ("negative", "neutral", "positive"))
    embed.add_field(name="Today per team", value=volume[:FIELD_VALUE], inline=True)
    embed.add_field(name="Sentiment mix", value=mix, inline=True)
    return embed


def _case_lines(cases: list[CaseSummary], now: datetime | None, shown: int = 10) -> str:
    if not cases:
        return "Nothing here."
    lines = []
    for case in cases[:shown]:
        due = f" · {when(case.sla_due_at, now)}" if case.sla_due_at else ""
        lines.append(f"• **#{case.case_id}** · {flat(case.network, 32)} · {flat(case.priority, 20)} · "
                     f"{words(case.stage)} · @{flat(case.author_handle, 60)}{due} — {flat(case.excerpt, 100)}")
    return join_lines(lines, FIELD_VALUE, total=len(cases))
