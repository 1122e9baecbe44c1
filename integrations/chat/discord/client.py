"""The discord.py client Rejoinder runs: the gateway intents it needs, its
persistent buttons and slash command, and the nonces that make a resend
return the first message."""
from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from integrations.chat.discord.components import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from integrations.chat.discord.platform import DiscordPlatform

NO_PINGS = discord.AllowedMentions.none()  # on every message: nothing we post can ping anyone
UNKNOWN_CHANNEL = 10003  # the error code of a channel or thread that does not exist


def intents() -> discord.Intents:
    """Only what Rejoinder reads: guilds and channels (for threads), messages
    in them, and their text (Message Content is a privileged intent)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


def nonce(kind: str, key: str) -> str:
    """Discord nonces are at most 25 characters; the same key gives the same nonce."""
    return kind + hashlib.sha256(key.encode()).hexdigest()[:24]


class RejoinderClient(discord.Client):
    def __init__(self, platform: "DiscordPlatform", **options) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_PINGS, **options)
        self.platform = platform
        self.inbound = platform.inbound
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # persistent buttons: cards from before a restart still work
        self.tree.add_command(self.inbound.slash_group())

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        self.platform.spawn(self.inbound.message(message), "message")
