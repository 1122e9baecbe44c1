"""Messages of their own in a team's channel (SLA and spike alerts), edited
in place, and files (charts, reports) as attachments, in the thread of the
message they belong to.

A message posted with a key carries it as the invisible marker thread lines
use, and a nonce made from it (`enforce_nonce`: a resend within Discord's
window returns the first message). After a longer doubt the outbox's retry
looks for it in the channel's history (`find_message`) and for files by
name in its thread (`files_in_thread`) before posting again.

Nothing pings anyone, except the people an alert names (an SLA escalation's
approvers), who are pinged on purpose."""
from __future__ import annotations

import hashlib
import io
import logging
import re
from typing import TYPE_CHECKING

import discord

from bot.types import MessageRef
from integrations.chat.discord import lookup
from integrations.chat.discord.client import NO_PINGS, nonce
from integrations.chat.discord.text import CONTENT, clip, inert

if TYPE_CHECKING:
    from integrations.chat.discord.platform import DiscordPlatform

log = logging.getLogger(__name__)
THREAD_EXISTS = 160004
FILE_LIMIT = 10 * 1024 * 1024  # Discord's attachment limit for a server without boosts
_MARKER = re.compile("\u2063[\u200b\u200c]*\u2063$")  # lookup.marker's shape, at the end of a message


def _body(text: str, key: str | None, people: tuple[str, ...] = ()) -> tuple[str, discord.AllowedMentions]:
    named = [p for p in people if p.isdigit()]  # Discord user ids only: a name is not a mention
    tail = (" " + " ".join(f"<@{p}>" for p in named)) if named else ""
    marker = lookup.marker(key) if key else ""
    room = CONTENT - len(tail) - len(marker)
    body = clip(inert(text, room, links=True) or "-", room) + tail + marker
    pings = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(int(p)) for p in named]) \
        if named else NO_PINGS
    return body, pings


async def post_message(platform: DiscordPlatform, channel: str, text: str, key: str | None = None,
                       people: tuple[str, ...] = ()) -> MessageRef:
    body, pings = _body(text, key, people)
    await platform.pace.take()
    message = await platform.channel(channel).send(content=body, allowed_mentions=pings,
                                                   **({"nonce": nonce("m", key)} if key else {}))
    return MessageRef(platform=platform.name, channel=channel, message_id=str(message.id))


async def find_message(platform: DiscordPlatform, channel: str, key: str) -> MessageRef | None:
    """Our message posted with `key` among the channel's latest."""
    wanted = lookup.marker(key)
    await platform.pace.take()
    try:
        async for message in platform.channel(channel).history(limit=lookup.HISTORY):
            if message.author.id == platform.bot_user_id and message.content.endswith(wanted):
                return MessageRef(platform=platform.name, channel=channel, message_id=str(message.id))
    except discord.HTTPException as error:
        log.warning("Could not look for message %s in %s (%s); posting it", key, channel, error)
    return None


async def update_message(platform: DiscordPlatform, ref: MessageRef, text: str) -> None:
    """The new text; the key's marker is kept, so the message can still be found by it."""
    partial = platform.channel(ref.channel).get_partial_message(int(ref.message_id))
    await platform.pace.take()
    current = await partial.fetch()
    marker = _MARKER.search(current.content)
    body, _pings = _body(text, None)
    if marker:
        body = clip(body, CONTENT - len(marker.group(0))) + marker.group(0)
    await platform.pace.take()
    await partial.edit(content=body, allowed_mentions=NO_PINGS)


async def _thread_of(platform: DiscordPlatform, ref: MessageRef, name: str) -> str:
    """The thread hanging off `ref` (its id is the message's), opened if need be."""
    thread = ref.thread_id or ref.message_id
    if ref.thread_id:
        return thread
    await platform.pace.take()
    try:
        await platform.client.http.start_thread_with_message(
            int(ref.channel), int(ref.message_id), name=clip(name, 100), auto_archive_duration=1440,
            rate_limit_per_user=0, reason="Rejoinder report or chart")
    except discord.HTTPException as error:
        if error.code != THREAD_EXISTS:
            raise
    return thread


async def post_file(platform: DiscordPlatform, channel: str, data: bytes, filename: str, title: str, text: str = "",
                    thread: MessageRef | None = None) -> MessageRef:
    """An attachment with `title` as its text (and alt text), in `thread`'s thread or the channel."""
    if len(data) > FILE_LIMIT:
        raise ValueError(f"{filename} is {len(data):,} bytes; Discord takes {FILE_LIMIT:,} at most")
    where = await _thread_of(platform, thread, title) if thread else channel
    body, _pings = _body(text or title, None)
    upload = discord.File(io.BytesIO(data), filename=filename, description=clip(title, 1024))
    # Under a message, a file's name is posted once (a report's parts): a resend returns the first.
    once = {"nonce": nonce("f", f"{where}:{filename}:{hashlib.sha256(data).hexdigest()}")} if thread else {}
    await platform.pace.take()
    message = await platform.channel(where).send(content=body, file=upload, allowed_mentions=NO_PINGS, **once)
    return MessageRef(platform=platform.name, channel=channel, message_id=str(message.id),
                      thread_id=where if thread else None)


async def files_in_thread(platform: DiscordPlatform, ref: MessageRef) -> set[str]:
    """The names of the files we posted in the thread of `ref` (none if it has no thread)."""
    return await files_in_channel(platform, ref.thread_id or ref.message_id)


async def files_in_channel(platform: DiscordPlatform, thread: str) -> set[str]:
    """The names of the files among our latest messages in a channel or thread."""
    names: set[str] = set()
    await platform.pace.take()
    try:
        async for message in platform.channel(thread).history(limit=lookup.HISTORY):
            if message.author.id == platform.bot_user_id:
                names.update(a.filename for a in message.attachments)
    except discord.NotFound:
        return set()  # no thread yet: nothing can be in it
    except discord.HTTPException as error:
        log.warning("Could not list the files under %s (%s); posting them", thread, error)
        return set()
    return names
