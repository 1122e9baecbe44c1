"""Block Kit for a case card and the home tab (the modals are in modals.py).

Every piece of outside text (the mention, author, customer data, drafts) goes
through `slack_text`, so nothing from the public can ping, link or style.
"""
from __future__ import annotations

from datetime import datetime

from bot.chat.text_view import case_list
from bot.types import Card, CaseSummary, CustomerView, DraftView, HomeView

from integrations.chat.slack.card_text import mention_blocks
from integrations.chat.common import join_lines, number
from integrations.chat.slack.text import (
    BUTTON_LIMIT, HEADER_LIMIT, TEXT_LIMIT, escape, inert, link, mrkdwn, person, plain, when,
)

ACTION_PREFIX = "rejoinder:"
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
FOLDED_SHOWN = 30  # case numbers listed on an incident card; `/rejoinder case N` lists all

BUTTONS = {
    "draft": ("Draft reply", "primary"), "redraft": ("Redraft", None), "approve": ("Approve", "primary"),
    "edit": ("Edit draft", None), "reject": ("Reject", "danger"), "escalate": ("Escalate", None),
    "resolve": ("Resolve", None), "close": ("Close without reply", None), "publish": ("Publish", "primary"),
}
SENTIMENT_ICON = {"negative": ":red_circle:", "neutral": ":white_circle:", "positive": ":large_green_circle:"}
PRIORITY_ICON = {"urgent": ":rotating_light:", "high": ":small_orange_diamond:", "normal": "", "low": ""}


def fallback_text(card: Card) -> str:
    """The notification text; the blocks carry the detail."""
    handle = escape(card.author.handle, 80)
    return f"Case #{card.case_id} ({card.priority}) on {escape(card.network, 32)} from @{handle}"


def card_blocks(card: Card, now: datetime | None = None) -> list[dict]:
    icon = PRIORITY_ICON.get(card.priority, "")
    title = f"Case #{card.case_id} · {card.network} · {card.priority}"
    blocks: list[dict] = [{"type": "header", "text": plain(title, HEADER_LIMIT)}]
    blocks.append(_author(card))
    blocks.extend(mention_blocks(card))
    if card.mentions_in_case > 1:
        blocks.append(context_block(f"{card.mentions_in_case} mentions in this conversation"))
    sentiment = f"{SENTIMENT_ICON.get(card.sentiment_label, '')} {words(card.sentiment_label)} ({card.sentiment:+.2f})"
    facts = [
        f"*Stage:* {words(card.stage)}",
        f"*Priority:* {icon + ' ' if icon else ''}{inert(card.priority, 20)}",
        f"*Sentiment:* {sentiment.strip()}",
        f"*Route:* {inert(card.route, 60)} → {inert(card.team, 40)}",
        f"*Assignee:* {person(card.assignee)}",
        f"*SLA:* {when(card.sla_due_at, now) if card.sla_due_at else 'none'}",
    ]
    blocks.append({"type": "section", "fields": [mrkdwn(f) for f in facts]})
    if tags := _tags(card):
        blocks.append({"type": "context", "elements": [mrkdwn(tags)]})
    blocks.extend(_incident(card))
    if card.customer is not None:
        blocks.extend(_customer(card.customer))
    if card.crm is not None:
        blocks.extend(_crm(card))
    if card.draft is not None:
        blocks.extend(_draft(card.draft))
    if actions := action_elements(card):
        blocks.append({"type": "actions", "block_id": f"case:{card.case_id}", "elements": actions})
    return fit(blocks, MESSAGE_BLOCK_LIMIT)


def words(identifier: str) -> str:
    """An internal name such as `awaiting_approval`, shown as words."""
    return inert((identifier or "").replace("_", " "), 60)


def context_block(text: str) -> dict:
    return {"type": "context", "elements": [plain(text)]}


def _author(card: Card) -> dict:
    author = card.author
    who = f"{author.name} (@{author.handle})" if author.name else f"@{author.handle}"
    facts = [who, f"{number(author.followers)} followers"]
    if author.verified:
        facts.append("verified")
    elements = [plain(" · ".join(facts), TEXT_LIMIT)]
    links = " · ".join(x for x in (link(card.mention_url, "open post"), link(author.url, "profile")) if x)
    if links:
        elements.append(mrkdwn(links))
    return {"type": "context", "elements": elements}


def _tags(card: Card) -> str:
    parts = []
    if card.matched:
        parts.append("*Matched:* " + ", ".join(inert(m, 80) for m in card.matched[:20]))
    if card.labels:
        parts.append("*Labels:* " + ", ".join(words(x) for x in card.labels[:20]))
    if card.flags:
        parts.append("*Flags:* " + ", ".join(words(x) for x in card.flags[:20]))
    return "  ·  ".join(parts)


def _incident(card: Card) -> list[dict]:
    """An incident counts, samples and lists the cases folded into it; a folded case names its incident."""
    if card.incident_count <= 0:
        return [context_block(f"Folded into incident #{card.incident_of}.")] if card.incident_of else []
    head = f":warning: *Incident:* {card.incident_count} similar mentions in a short time"
    blocks = [{"type": "section", "text": mrkdwn(head)}]
    samples = [s for s in card.incident_samples if s][:5]
    if samples:
        blocks.append({"type": "context", "elements": [plain(f"“{s}”", 300) for s in samples]})
    if card.folded_cases:
        more = len(card.folded_cases) > FOLDED_SHOWN
        blocks.append(context_block(f"Folded here: {case_list(card.folded_cases, FOLDED_SHOWN)}"
                               + (f" · /rejoinder case {card.case_id} lists them all" if more else "")))
    return blocks


def _customer(customer: CustomerView) -> list[dict]:
    money = "hidden" if customer.lifetime_value is None else number(customer.lifetime_value)
    lines = [
        f"*Customer:* {inert(customer.name, 200)} · *Tier:* {inert(customer.tier, 40)} · *Lifetime value:* {money}",
    ]
    if customer.open_cases:
        lines.append("*Open cases:* " + ", ".join(f"#{n}" for n in customer.open_cases[:20]))
    for order in customer.recent_orders[:5]:
        total = "amount hidden" if order.total is None else f"{number(order.total)} {inert(order.currency, 8)}"
        placed = order.placed_at.strftime("%Y-%m-%d")
        lines.append(f"• Order {inert(order.number, 40)} · {placed} · {total} · {inert(order.status, 40)}")
    blocks = [{"type": "section", "text": mrkdwn("\n".join(lines))}]
    earlier = [e for e in customer.earlier_interactions if e][:5]
    if earlier:
        blocks.append({"type": "context", "elements": [plain(e, 300) for e in earlier]})
    if customer.redacted:
        blocks.append(context_block("Some customer details are hidden in this channel."))
    return blocks


def _crm(card: Card) -> list[dict]:
    """What the CRM knows, as plain text (it is outside data, never markup)."""
    from bot.crm.view import crm_lines

    lines = crm_lines(card.crm)
    blocks = [{"type": "section", "text": plain("\n".join(lines), 2900)}] if lines else []
    if buttons := link_buttons(card):
        blocks.append({"type": "actions", "block_id": f"crm:{card.case_id}", "elements": buttons})
    return blocks


def link_buttons(card: Card) -> list[dict]:
    """One "Link" button per suggested contact: a click asks for the same
    `link` command as typing it (checked by role in the core), so nothing is
    linked unless a person chooses it."""
    panel = card.crm
    if panel is None or panel.redacted or panel.status != "no_match":
        return []
    return [{"type": "button", "action_id": f"{ACTION_PREFIX}link:{i}", "text": plain(f"Link {c.name}", BUTTON_LIMIT),
             "value": f"{card.network}:{card.author.handle} to {c.email}"[:2000]}
            for i, c in enumerate(panel.suggestions[:5]) if c.email]


def _draft(draft: DraftView) -> list[dict]:
    state = ":no_entry: *blocked*" if draft.blocked else ""
    head = (
        f"*Draft v{draft.version}* by {inert(draft.author, 80)} ({inert(draft.source, 60)})"
        f" · approvals {len(draft.approvals)}/{draft.approvals_required} {state}"
    )
    blocks = [{"type": "section", "text": mrkdwn(head.strip())}, {"type": "section", "text": plain(draft.text)}]
    if draft.approvals:
        blocks.append({"type": "context", "elements": [plain("Approved by " + ", ".join(draft.approvals))]})
    if draft.findings:
        blocks.append({"type": "section", "text": mrkdwn(findings_text(draft))})
    return blocks


def findings_text(draft: DraftView) -> str:
    lines = []
    for f in draft.findings:
        mark = ":no_entry: *BLOCKED*" if f.severity == "block" else ":warning: warning"
        lines.append(f"{mark} · {inert(f.rule, 60)}: {inert(f.reason, 400)}")
    return join_lines(lines, TEXT_LIMIT - 40) if lines else "No findings."


def action_elements(card: Card) -> list[dict]:
    value = str(card.case_id)
    elements: list[dict] = []
    for action in dict.fromkeys(card.actions):  # Slack refuses repeated action ids in a block
        action_id = f"{ACTION_PREFIX}{action}"
        if action == "assign":
            elements.append({
                "type": "users_select", "action_id": action_id,
                "placeholder": plain("Assign to…", BUTTON_LIMIT),
            })
            continue
        label, style = BUTTONS.get(action, (action.replace("_", " ").capitalize(), None))
        button = {"type": "button", "action_id": action_id, "text": plain(label, BUTTON_LIMIT), "value": value}
        if style:
            button["style"] = style
        elements.append(button)
    return elements[:25]  # Block Kit: 25 elements per actions block


def fit(blocks: list[dict], limit: int) -> list[dict]:
    """Drop middle blocks beyond `limit`, keeping the header and the actions."""
    if len(blocks) <= limit:
        return blocks
    tail = blocks[-1:] if blocks[-1]["type"] == "actions" else []
    keep = limit - len(tail) - 1
    hidden = len(blocks) - keep - len(tail)
    return blocks[:keep] + [context_block(f"{hidden} more sections hidden (Slack's block limit).")] + tail


def home_view(view: HomeView, now: datetime | None = None) -> dict:
    """The App Home tab: my work first, then the day's picture."""
    blocks: list[dict] = [{"type": "header", "text": plain(f"Rejoinder · {view.user.name}", HEADER_LIMIT)}]
    for title, cases in (
        ("Assigned to me", view.assigned_to_me),
        ("Awaiting my approval", view.awaiting_my_approval),
        ("SLA breaches", view.sla_breaches),
    ):
        blocks.append({"type": "section", "text": mrkdwn(f"*{title}* ({len(cases)})\n" + _case_lines(cases, now))})
    blocks.append({"type": "divider"})
    volume = ", ".join(f"{inert(team, 40)}: {n}" for team, n in sorted(view.volume_today.items())) or "no mentions yet"
    mix = ", ".join(
        f"{SENTIMENT_ICON.get(label, '')} {inert(label, 20)}: {view.sentiment_mix.get(label, 0)}"
        for label in ("negative", "neutral", "positive")
    )
    blocks.append({"type": "section", "fields": [mrkdwn(f"*Today per team:* {volume}"), mrkdwn(f"*Sentiment mix:* {mix}")]})
    return {"type": "home", "callback_id": "rejoinder:home", "blocks": fit(blocks, VIEW_BLOCK_LIMIT)}


def _case_lines(cases: list[CaseSummary], now: datetime | None, shown: int = 15) -> str:
    if not cases:
        return "Nothing here."
    lines = []
    for case in cases[:shown]:
        due = f" · {when(case.sla_due_at, now)}" if case.sla_due_at else ""
        lines.append(
            f"• *#{case.case_id}* · {inert(case.network, 32)} · {inert(case.priority, 20)} · "
            f"{words(case.stage)} · @{inert(case.author_handle, 60)}{due} — {inert(case.excerpt, 140)}"
        )
    return join_lines(lines, TEXT_LIMIT - 100, total=len(cases))
