"""Looking in Slack for what an earlier post may have left there: a case's
card in the channel's history, a thread line in its thread, each by the
message metadata we attach. chat.postMessage has no idempotency key, so this
is how a retry after a lost answer avoids posting twice.

If Slack cannot be read, the answer is None: a doubled message is a smaller
harm than a lost one."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.types import MessageRef

if TYPE_CHECKING:
    from integrations.chat.slack.platform import SlackPlatform

log = logging.getLogger(__name__)

CASE_METADATA_TYPE = "rejoinder_case"  # message metadata naming the case of a card
LINE_METADATA_TYPE = "rejoinder_line"  # message metadata carrying a thread line's outbox key
REPLIES_PAGE = 200
REPLIES_PAGES = 10  # a thread longer than this many pages is not searched to its end


def line_metadata(key: str) -> dict:
    return {"event_type": LINE_METADATA_TYPE, "event_payload": {"key": key}}


def ours(platform: SlackPlatform, message: dict) -> bool:
    return message.get("bot_id") == platform.bot_id or message.get("user") == platform.bot_user_id


def meta_of(message: dict, event_type: str) -> dict | None:
    meta = message.get("metadata") or {}
    return (meta.get("event_payload") or {}) if meta.get("event_type") == event_type else None


async def find_card(platform: SlackPlatform, channel_id: str, case_id: int, search: int = 200) -> MessageRef | None:
    """Our card for `case_id` among the channel's latest messages."""
    try:
        response = await platform.limiter.call(
            channel_id, platform.client.conversations_history,
            channel=channel_id, limit=search, include_all_metadata=True,
        )
    except SlackApiError as error:
        log.warning("Could not look for the card of case %s in %s (%s); posting it", case_id, channel_id,
                    error.response.get("error"))
        return None
    for message in response.get("messages") or []:
        payload = meta_of(message, CASE_METADATA_TYPE)
        if ours(platform, message) and payload is not None and str(payload.get("case_id")) == str(case_id):
            platform.remember_case(channel_id, message["ts"], case_id)
            return MessageRef(platform=platform.name, channel=channel_id, message_id=message["ts"])
    return None


async def find_in_thread(platform: SlackPlatform, ref: MessageRef, key: str) -> MessageRef | None:
    """Our thread line posted with `key`, in the thread under `ref`."""
    thread_ts = ref.thread_id or ref.message_id
    cursor: str | None = None
    for _page in range(REPLIES_PAGES):
        try:
            response = await platform.limiter.call(
                ref.channel, platform.client.conversations_replies,
                channel=ref.channel, ts=thread_ts, limit=REPLIES_PAGE, include_all_metadata=True,
                **({"cursor": cursor} if cursor else {}),
            )
        except SlackApiError as error:
            log.warning("Could not look for thread line %s in %s (%s); posting it", key, ref.channel,
                        error.response.get("error"))
            return None
        for message in response.get("messages") or []:
            payload = meta_of(message, LINE_METADATA_TYPE)
            if ours(platform, message) and payload is not None and payload.get("key") == key:
                return MessageRef(platform=platform.name, channel=ref.channel, message_id=message["ts"],
                                  thread_id=thread_ts)
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
    log.warning("Searched the first %d messages of thread %s in %s without finding line %s; posting it",
                REPLIES_PAGE * REPLIES_PAGES, thread_ts, ref.channel, key)
    return None


async def case_of_thread(platform: SlackPlatform, channel: str, thread_ts: str) -> int | None:
    """The case whose card starts this thread, or None, from the card's metadata."""
    try:
        response = await platform.client.conversations_replies(
            channel=channel, ts=thread_ts, limit=1, include_all_metadata=True,
        )
    except SlackApiError as error:
        log.warning("Could not read thread %s in %s: %s", thread_ts, channel, error.response.get("error"))
        return None
    case_id = None
    for message in response.get("messages") or []:
        payload = meta_of(message, CASE_METADATA_TYPE)
        if message.get("ts") == thread_ts and ours(platform, message) and payload is not None:
            raw = payload.get("case_id")
            case_id = int(raw) if str(raw).isdigit() else None
    platform.remember_case(channel, thread_ts, case_id)
    return case_id
