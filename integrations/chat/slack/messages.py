"""Messages of their own in a channel (SLA and spike alerts), edited in
place, and files (charts, reports) uploaded with files_upload_v2, which
takes a channel id: a channel known only by its name gets a first message
(the file's text) that tells us its id, and the file goes under it."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.types import MessageRef
from integrations.chat.slack.lookup import meta_of, ours
from integrations.chat.slack.text import escape

if TYPE_CHECKING:
    from integrations.chat.slack.platform import SlackPlatform

log = logging.getLogger(__name__)
MESSAGE_METADATA_TYPE = "rejoinder_message"  # message metadata carrying an alert's outbox key
TEXT_LIMIT = 39_000


def _body(text: str, people: tuple[str, ...]) -> str:
    mentions = " ".join(f"<@{p}>" for p in people if p.isalnum())  # ids only: a name is not a mention
    return (escape(text, TEXT_LIMIT) or "-") + (f"\n{mentions}" if mentions else "")


async def post_message(platform: SlackPlatform, channel: str, text: str, key: str | None = None,
                       people: tuple[str, ...] = ()) -> MessageRef:
    response = await platform.limiter.call(
        platform._channel_ids.get(channel, channel), platform.client.chat_postMessage,
        channel=channel, text=_body(text, people), unfurl_links=False, unfurl_media=False,
        **({"metadata": {"event_type": MESSAGE_METADATA_TYPE, "event_payload": {"key": key}}} if key else {}),
    )
    platform._channel_ids[channel] = response["channel"]
    return MessageRef(platform=platform.name, channel=response["channel"], message_id=response["ts"])


async def channel_id_of(platform: SlackPlatform, channel: str, pages: int = 20) -> str:
    """A channel's id. A channel configured by name (#care) is known by id once
    we posted there; before that (the answer to our first post was lost, say)
    conversations.list finds it. Unknown: the name, and the caller's call fails."""
    if not channel.startswith("#") or channel in platform._channel_ids:
        return platform._channel_ids.get(channel, channel)
    cursor: str | None = None
    for _page in range(pages):
        try:
            response = await platform.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000,
                **({"cursor": cursor} if cursor else {}))
        except SlackApiError as error:
            log.warning("Could not list channels to find %s (%s)", channel, error.response.get("error"))
            return channel
        for found in response.get("channels") or []:
            if found.get("name") == channel[1:]:
                platform._channel_ids[channel] = found["id"]
                return found["id"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return channel


async def find_message(platform: SlackPlatform, channel: str, key: str, search: int = 200) -> MessageRef | None:
    channel_id = await channel_id_of(platform, channel)
    try:
        response = await platform.limiter.call(channel_id, platform.client.conversations_history,
                                               channel=channel_id, limit=search, include_all_metadata=True)
    except SlackApiError as error:
        log.warning("Could not look for message %s in %s (%s); posting it", key, channel, error.response.get("error"))
        return None
    for message in response.get("messages") or []:
        payload = meta_of(message, MESSAGE_METADATA_TYPE)
        if ours(platform, message) and payload is not None and payload.get("key") == key:
            return MessageRef(platform=platform.name, channel=channel_id, message_id=message["ts"])
    return None


async def update_message(platform: SlackPlatform, ref: MessageRef, text: str) -> None:
    await platform.limiter.call(ref.channel, platform.client.chat_update, channel=ref.channel, ts=ref.message_id,
                                text=_body(text, ()))


async def post_file(platform: SlackPlatform, channel: str, data: bytes, filename: str, title: str, text: str = "",
                    thread: MessageRef | None = None) -> MessageRef:
    channel_id = thread.channel if thread else platform._channel_ids.get(channel, channel)
    if channel_id.startswith("#"):
        thread = await post_message(platform, channel, text or title)
        channel_id, text = thread.channel, ""
    thread_ts = (thread.thread_id or thread.message_id) if thread else None
    response = await platform.limiter.call(
        channel_id, platform.client.files_upload_v2,
        channel=channel_id, file=data, filename=filename, title=title,
        **({"initial_comment": escape(text, TEXT_LIMIT)} if text else {}), **({"thread_ts": thread_ts} if thread_ts else {}),
    )
    file_id = (response.get("file") or {}).get("id", "")
    return MessageRef(platform=platform.name, channel=channel_id, message_id=thread_ts or file_id, thread_id=thread_ts)


async def files_in_thread(platform: SlackPlatform, ref: MessageRef, pages: int = 10) -> set[str]:
    """The names of the files we shared in the thread under `ref`, so a report
    posted again after a lost answer adds only what is missing. If Slack cannot
    be read the answer is empty: a doubled file is a smaller harm than a lost one."""
    thread_ts = ref.thread_id or ref.message_id
    names: set[str] = set()
    cursor: str | None = None
    for _page in range(pages):
        try:
            response = await platform.limiter.call(
                ref.channel, platform.client.conversations_replies,
                channel=ref.channel, ts=thread_ts, limit=200, **({"cursor": cursor} if cursor else {}))
        except SlackApiError as error:
            log.warning("Could not list the files under %s in %s (%s); posting them", thread_ts, ref.channel,
                        error.response.get("error"))
            return set()
        for message in response.get("messages") or []:
            if ours(platform, message):
                names.update(f.get("name", "") for f in message.get("files") or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            break
    return names


async def files_in_channel(platform: SlackPlatform, channel: str, search: int = 200) -> set[str]:
    """The names of the files we shared among the channel's latest messages."""
    channel_id = await channel_id_of(platform, channel)
    try:
        response = await platform.limiter.call(channel_id, platform.client.conversations_history,
                                               channel=channel_id, limit=search)
    except SlackApiError as error:
        log.warning("Could not list the files in %s (%s); posting", channel, error.response.get("error"))
        return set()
    return {f.get("name", "") for m in response.get("messages") or [] if ours(platform, m) for f in m.get("files") or []}
