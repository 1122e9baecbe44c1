"""Plain-text renderings of cards and customers, for the console and for
text answers on any platform."""
from __future__ import annotations

from bot.types import Card, CustomerView


def money(value: float | None) -> str:
    return "hidden" if value is None else f"{value:,.2f}"


def customer_lines(c: CustomerView) -> list[str]:
    lines = [f"{c.name} · tier {c.tier} · lifetime value {money(c.lifetime_value)}"
             + (" · redacted for partners" if c.redacted else "")]
    if c.email or c.phone:
        lines.append("contact: " + " · ".join(x for x in (c.email, c.phone) if x))
    if c.handles:
        lines.append("handles: " + ", ".join(c.handles))
    for o in c.recent_orders:
        amount = "" if o.total is None else f" {o.total:,.2f} {o.currency}"
        lines.append(f"order {o.number} {o.placed_at:%Y-%m-%d} {o.status}{amount}")
    if c.open_cases:
        lines.append("open cases: " + ", ".join(f"#{n}" for n in c.open_cases))
    lines.extend(f"earlier: {e}" for e in c.earlier_interactions[:3])
    return lines


def case_list(case_ids: tuple[int, ...] | list[int], shown: int | None = None) -> str:
    """`#1, #2, #3 (+4 more)`: case numbers, the first `shown` of them (all if None)."""
    kept = list(case_ids if shown is None else case_ids[:shown])
    more = len(case_ids) - len(kept)
    return ", ".join(f"#{n}" for n in kept) + (f" (+{more} more)" if more else "")


def card_lines(card: Card, folded_shown: int | None = 20) -> list[str]:
    """The card as text; an incident lists the cases folded into it (the first
    `folded_shown`, or all of them with None)."""
    a = card.author
    head = f"#{card.case_id} [{card.team}] {card.priority.upper()} · {card.stage}"
    if card.incident_count:
        head += f" · INCIDENT: {card.incident_count} mentions"
    lines = [
        head,
        f"{card.network} · {a.name or a.handle} (@{a.handle}, {a.followers:,} followers)",
        f"“{card.mention_text}”" + (" (edited)" if card.mention_edited else ""),
        *(["deleted by its author: a public reply can no longer be attached to it"] if card.mention_deleted else []),
        f"sentiment {card.sentiment:+.2f} ({card.sentiment_label}) · route {card.route}"
        + (f" · matched {', '.join(card.matched)}" if card.matched else ""),
    ]
    if card.flags or card.labels:
        lines.append("labels: " + ", ".join(card.labels + card.flags))
    lines.extend(f"sample: {s}" for s in card.incident_samples)
    if card.folded_cases:
        lines.append("folded here: " + case_list(card.folded_cases, folded_shown))
    if card.incident_of:
        lines.append(f"folded into incident #{card.incident_of}")
    if card.assignee:
        lines.append(f"assignee: {card.assignee}")
    if card.sla_due_at:
        lines.append(f"first response due {card.sla_due_at:%Y-%m-%d %H:%M} UTC")
    lines.extend("customer: " + line for line in (customer_lines(card.customer) if card.customer else ["not found"]))
    if card.crm is not None:
        from bot.crm.view import crm_lines

        lines.extend(crm_lines(card.crm))
    if card.draft:
        d = card.draft
        kind = "template draft" if d.source == "template" else d.source
        lines.append(f"draft v{d.version} by {d.author} ({kind}), approvals {len(d.approvals)}/{d.approvals_required}:")
        lines.append(f"  {d.text}")
        lines.extend(f"  {f.severity.upper()} {f.rule}: {f.reason}" for f in d.findings)
    if card.actions:
        lines.append("actions: " + " · ".join(card.actions))
    return lines
