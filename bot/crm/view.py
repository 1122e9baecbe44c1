"""The card's CRM section as plain lines (console, and the text of chat cards)."""
from __future__ import annotations

from bot.types import CrmItem, CrmPanel

SYSTEM_NAMES = {"hubspot": "HubSpot", "salesforce": "Salesforce", "builtin": "Directory"}


def _money(amount: float | None, currency: str | None) -> str:
    return f"{amount:,.0f} {currency or ''}".strip() if amount is not None else "?"


def _item(i: CrmItem, currency: str | None) -> str:
    parts = [f"{i.kind} {i.title}", i.status]
    if i.amount is not None:
        parts.append(_money(i.amount, currency))
    if i.at is not None:
        parts.append(f"{i.at:%Y-%m-%d}")
    return " · ".join(p for p in parts if p)


def crm_lines(panel: CrmPanel) -> list[str]:
    name = SYSTEM_NAMES.get(panel.system, panel.system)
    p = panel.profile
    if panel.status == "pending" and p is None:
        return [f"{name}: looking the author up…"]
    lines: list[str] = []
    if panel.status == "unavailable":
        lines.append(f"{name} is not answering ({panel.error or 'no answer'}); this card fills in when it does"
                     + (" (showing what it said earlier)" if p else ""))
    if p is None:
        if panel.status == "no_match":
            lines.append(f"{name}: no contact matches this author")
            lines.extend(f"  maybe {c.name}" + (f" <{c.email}>: `link <handle> to {c.email}`" if c.email else "")
                         for c in panel.suggestions)
        return lines
    c = p.contact
    head = f"{name}: {c.name}" + (f" · {c.company}" if c.company else "") + (f" · tier {p.tier}" if p.tier else "")
    if panel.matched_by:
        head += f" (matched by {panel.matched_by})"
    if panel.stale and panel.as_of is not None:
        head += f" · as of {panel.as_of:%Y-%m-%d %H:%M} UTC"
    lines.append(head)
    money = []
    if p.lifetime_value is not None:
        money.append(f"lifetime value {_money(p.lifetime_value, p.currency)}")
    if p.open_pipeline is not None:
        money.append(f"open pipeline {_money(p.open_pipeline, p.currency)}")
    if money:
        lines.append("  " + " · ".join(money))
    lines.extend("  recent: " + _item(i, p.currency) for i in p.recent)
    lines.extend("  open ticket: " + _item(i, p.currency) for i in p.open_tickets)
    if p.owner:
        lines.append(f"  owner: {p.owner}")
    return lines
