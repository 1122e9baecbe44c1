"""The modals that act on a case: edit a draft, give a reason to reject, and
the placeholder opened at once while a click is handled."""
from __future__ import annotations

import json

from bot.types import Card

from integrations.chat.slack.blocks import VIEW_BLOCK_LIMIT, context_block, findings_text, fit
from integrations.chat.slack.text import mrkdwn, plain

EDIT_CALLBACK = "rejoinder:edit"
REJECT_CALLBACK = "rejoinder:reject"
INPUT_BLOCK, INPUT_ACTION = "rejoinder_input", "text"
MODAL_TEXT_LIMIT = 3000  # plain_text_input max_length


def read_metadata(private_metadata: str) -> dict:
    try:
        data = json.loads(private_metadata or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text_input(label: str, initial: str | None, placeholder: str) -> dict:
    element = {
        "type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True,
        "min_length": 1, "max_length": MODAL_TEXT_LIMIT, "placeholder": plain(placeholder, 150),
    }
    if initial:
        element["initial_value"] = initial[:MODAL_TEXT_LIMIT]  # input values are raw text
    return {"type": "input", "block_id": INPUT_BLOCK, "label": plain(label, 2000), "element": element}


def edit_modal(card: Card, channel: str | None = None, ts: str | None = None) -> dict:
    draft = card.draft
    blocks: list[dict] = [context_block(f"Case #{card.case_id} · reply to @{card.author.handle} on {card.network}")]
    if draft is not None and draft.findings:
        blocks.append({"type": "section", "text": mrkdwn("*Guardrail findings*\n" + findings_text(draft))})
    blocks.append(_text_input("Reply text", draft.text if draft else None, "The reply to publish"))
    return {
        "type": "modal", "callback_id": EDIT_CALLBACK, "title": plain("Edit draft", 24),
        "submit": plain("Save draft", 24), "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"case_id": card.case_id, "channel": channel, "ts": ts}),
        "blocks": fit(blocks, VIEW_BLOCK_LIMIT),
    }


def loading_modal(case_id: int, title: str) -> dict:
    """Opened at once on a click (the trigger id lasts 3 s), then replaced."""
    return {
        "type": "modal", "callback_id": "rejoinder:loading", "title": plain(title, 24), "close": plain("Close", 24),
        "blocks": [context_block(f"Loading case #{case_id}…")],
    }


def notice_modal(title: str, text: str) -> dict:
    return {**loading_modal(0, title), "callback_id": "rejoinder:notice", "blocks": [context_block(text)]}


def reject_modal(case_id: int, channel: str | None = None, ts: str | None = None) -> dict:
    blocks = [
        context_block(f"Case #{case_id}: the drafter sees this reason on the next draft."),
        _text_input("Why is this draft rejected?", None, "e.g. wrong tone, promises a refund we can't give"),
    ]
    return {
        "type": "modal", "callback_id": REJECT_CALLBACK, "title": plain("Reject draft", 24),
        "submit": plain("Reject", 24), "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"case_id": case_id, "channel": channel, "ts": ts}), "blocks": blocks,
    }


def submitted_text(view: dict) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return ((values.get(INPUT_BLOCK) or {}).get(INPUT_ACTION) or {}).get("value") or ""
