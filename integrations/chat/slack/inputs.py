"""Which Slack deliveries go to the chat inbox, and under which of Slack's
own ids: a redelivery carries the same key and is kept once."""
from __future__ import annotations

import re

from bot.ports import ChatInput

from integrations.chat.slack.blocks import ACTION_PREFIX
from integrations.chat.slack.modals import EDIT_CALLBACK, REJECT_CALLBACK, submitted_text

ACTION_PATTERN = re.compile("^" + re.escape(ACTION_PREFIX))
MODAL_ACTIONS = {EDIT_CALLBACK: "edit", REJECT_CALLBACK: "reject"}
HANDLED_SUBTYPES = (None, "thread_broadcast", "file_share")
# What the app receives from Slack (slack-manifest.yaml subscribes to these).
EVENTS = ("message", "app_mention", "app_home_opened")
COMMAND = "/rejoinder"


def input_of(platform: str, bot_user_id: str | None, body: dict) -> ChatInput | None:
    """The inbox entry for what Slack sent, or None for what is not recorded
    (App Home visits, an empty modal, other events)."""
    body = {k: v for k, v in body.items() if k != "token"}  # the legacy verification token
    kind = body.get("type")
    if kind == "block_actions" and any(ACTION_PATTERN.match(a.get("action_id", "")) for a in body.get("actions") or []):
        return _input(platform, "action", f"action:{body.get('trigger_id') or _action_id(body)}", body)
    if kind == "view_submission" and (body.get("view") or {}).get("callback_id") in MODAL_ACTIONS:
        view = body["view"]
        if not submitted_text(view).strip():
            return None  # the listener answers with the form's error instead
        return _input(platform, "view", f"view:{body.get('trigger_id') or view.get('id')}:{view.get('hash')}", body)
    if body.get("command") == COMMAND:
        return _input(platform, "slash", f"slash:{body.get('trigger_id')}", body)
    if kind == "event_callback" and _note_or_command(bot_user_id, body.get("event") or {}):
        event = body["event"]
        # A thread mention arrives twice, as `message` and as `app_mention`, with one (channel, ts).
        return _input(platform, "message", f"message:{event.get('channel')}:{event['ts']}", body)
    return None


def ignored(body: dict) -> bool:
    """Message events that are neither a thread reply nor addressed to us:
    acked without a row, or every channel message would be stored."""
    return body.get("type") == "event_callback" and (body.get("event") or {}).get("type") in ("message", "app_mention")


def _input(platform: str, kind: str, key: str, body: dict) -> ChatInput:
    who = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
    who = who or body.get("user_id") or (body.get("event") or {}).get("user") or ""
    return ChatInput(platform, key, kind, body, lane=who)


def _note_or_command(bot_user_id: str | None, event: dict) -> bool:
    if event.get("type") not in ("message", "app_mention") or not event.get("ts"):
        return False
    if event.get("subtype") not in HANDLED_SUBTYPES or event.get("bot_id") or not event.get("user"):
        return False  # edits, deletions, joins and bots (ourselves included) are not notes
    thread_ts = event.get("thread_ts")
    mentioned = bool(bot_user_id and f"<@{bot_user_id}" in (event.get("text") or ""))
    return bool(thread_ts and thread_ts != event["ts"]) or mentioned


def _action_id(body: dict) -> str:
    """Without a trigger id, the message, the person and the click's own time name a click."""
    container = body.get("container") or {}
    stamps = ",".join(str(a.get("action_ts")) for a in body.get("actions") or [])
    return f"{container.get('channel_id')}:{container.get('message_ts')}:{(body.get('user') or {}).get('id')}:{stamps}"
