"""Looking in Discord for what an earlier post may have left there: a case's
card in the channel's history (by its footer), a thread line in the case's
thread (by an invisible marker carrying its outbox key), and the case a
thread belongs to (from the card it hangs off).

Within Discord's nonce window a resend already returns the first message;
this covers longer doubts (a crash, a restart). If Discord cannot be read
the answer is None: a doubled message is a smaller harm than a lost one.
"""
from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.types import MessageRef

from integrations.chat.discord.embeds import FOOTER_PATTERN

if TYPE_CHECKING:
    from integrations.chat.discord.platform import DiscordPlatform

log = logging.getLogger(__name__)

HISTORY = 200  # messages searched in a channel or thread
# The key travels as zero-width characters between two invisible separators:
# people never see it, and a history search recognises the line by it.
_BITS = {"0": "\u200b", "1": "\u200c"}
_EDGE = "\u2063"


def marker(key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()[:6]
    bits = "".join(f"{byte:08b}" for byte in digest)
    return _EDGE + "".join(_BITS[b] for b in bits) + _EDGE


def _ours(platform: DiscordPlatform, message: discord.Message) -> bool:
    return message.author.id == platform.bot_user_id


def case_in(message: discord.Message) -> int | None:
    """The case a card message is for, from its footer."""
    for embed in message.embeds:
        found = FOOTER_PATTERN.match(embed.footer.text or "") if embed.footer else None
        if found:
            return int(found.group(1))
    return None


async def find_card(platform: DiscordPlatform, channel: str, case_id: int) -> MessageRef | None:
    await platform.pace.take()  # one page of 100 per call; two at most
    try:
        async for message in platform.channel(channel).history(limit=HISTORY):
            if _ours(platform, message) and case_in(message) == case_id:
                platform.remember_case(str(message.id), channel, case_id)
                return MessageRef(platform=platform.name, channel=channel, message_id=str(message.id))
    except discord.HTTPException as error:
        log.warning("Could not look for the card of case %s in %s (%s); posting it", case_id, channel, error)
    return None


async def find_in_thread(platform: DiscordPlatform, ref: MessageRef, key: str) -> MessageRef | None:
    thread = ref.thread_id or ref.message_id
    wanted = marker(key)
    await platform.pace.take()
    try:
        async for message in platform.channel(thread).history(limit=HISTORY):
            if _ours(platform, message) and message.content.endswith(wanted):
                return MessageRef(platform=platform.name, channel=ref.channel, message_id=str(message.id),
                                  thread_id=thread)
    except discord.NotFound:
        return None  # no thread yet: the line cannot be there
    except discord.HTTPException as error:
        log.warning("Could not look for thread line %s in %s (%s); posting it", key, thread, error)
    return None


async def case_of_card(platform: DiscordPlatform, channel: str, message_id: str) -> tuple[str, int] | None:
    """After a restart: read the card a thread starts from to learn its case."""
    await platform.pace.take()
    try:
        message = await platform.channel(channel).fetch_message(int(message_id))
    except discord.HTTPException as error:
        log.info("Thread %s in %s has no readable starter message: %s", message_id, channel, error)
        return None
    case_id = case_in(message) if _ours(platform, message) else None
    if case_id is None:
        return None
    platform.remember_case(message_id, channel, case_id)
    return channel, case_id
