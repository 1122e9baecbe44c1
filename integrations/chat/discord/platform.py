"""Discord as a chat platform: case cards (embeds and persistent buttons) in
team channels, a thread per case, modals, `/rejoinder`, through discord.py
over the gateway.

discord.py keeps the gateway alive (heartbeats, RESUME after a drop, a new
session after INVALID_SESSION) and honours Discord's per-route buckets and
global 429s for every REST call. A card post carries a nonce with
`enforce_nonce`, so a resend within Discord's window returns the first
message instead of a second; after a longer doubt the outbox's retry looks
for the card (and a thread line) first. Nothing we post can ping anyone:
`allowed_mentions` is none on every message.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

import discord

from bot.ports import ChatHandlers, ChatInput
from bot.types import Card, ChatUser, MessageRef

from integrations.chat.discord import lookup
from integrations.chat.discord import messages as own_messages
from integrations.chat.discord.client import NO_PINGS, UNKNOWN_CHANNEL, RejoinderClient, nonce
from integrations.chat.discord.components import card_view
from integrations.chat.discord.embeds import card_embeds, summary
from integrations.chat.discord.inbound import Inbound
from integrations.chat.discord.limits import GlobalPace
from integrations.chat.discord.text import CONTENT, clip, inert

log = logging.getLogger(__name__)

THREAD_EXISTS = 160004
THREAD_ARCHIVE_MINUTES = 10080  # a week: a case's talk can go on for days


class DiscordPlatform:
    name = "discord"

    def __init__(self, bot_token: str, *, home_channels: list[str] = (), sync_commands: bool = True,
                 ready_timeout: float = 60.0, guild_ready_timeout: float = 2.0) -> None:
        if not bot_token:
            raise ValueError("discord bot token is empty: set DISCORD_BOT_TOKEN")
        self._token = bot_token
        self.sync_commands = sync_commands
        self.ready_timeout, self.guild_ready_timeout = ready_timeout, guild_ready_timeout
        self.handlers: ChatHandlers | None = None
        self.inbound = Inbound(self)
        self.pace = GlobalPace()  # below Discord's global limit, for every REST call made here
        self.client: RejoinderClient | None = None
        self.home_channels = list(home_channels)  # our own (not partner) team channels
        self.home_teams: set[str] = set()  # their servers, known once connected; people elsewhere are partners
        self._connection: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._cases: OrderedDict[str, tuple[str, int]] = OrderedDict()  # card message id -> (channel, case)
        self._not_cases: set[str] = set()  # threads known to be no case's
        self._lookups: dict[str, asyncio.Future] = {}
        self.acks: dict[str, asyncio.Event] = {}  # inbox key -> set once its interaction is acknowledged

    # -- lifecycle -------------------------------------------------------

    async def start(self, handlers: ChatHandlers) -> None:
        self.handlers = handlers
        self.client = RejoinderClient(self, guild_ready_timeout=self.guild_ready_timeout)
        await self.client.login(self._token)
        # login() first, then connect() as a task: it reconnects and resumes by itself until closed.
        self._connection = asyncio.create_task(self.client.connect(reconnect=True), name="discord:gateway")
        self._connection.add_done_callback(self._gateway_ended)
        ready = asyncio.create_task(self.client.ready.wait())
        await asyncio.wait({ready, self._connection}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if self._connection.done():
            ready.cancel()
            self._connection.result()  # raises what stopped it (a bad token, say)
            raise RuntimeError("Discord gateway closed before it was ready")
        if not ready.done():
            ready.cancel()
            raise RuntimeError(f"Discord gateway not ready within {self.ready_timeout:.0f} s")
        self.home_teams = await self._servers_of(self.home_channels)
        if self.sync_commands:
            await self.client.tree.sync()
        log.info("Discord connected as %s in %d servers", self.client.user, len(self.client.guilds))

    async def _servers_of(self, channels: list[str]) -> set[str]:
        servers = set()
        for channel_id in channels:
            channel = self.client.get_channel(int(channel_id))
            if channel is None:
                try:
                    channel = await self.client.fetch_channel(int(channel_id))
                except discord.HTTPException as error:
                    log.warning("Discord channel %s is not reachable (%s): is the bot invited there?", channel_id, error)
                    continue
            if getattr(channel, "guild", None) is not None:
                servers.add(str(channel.guild.id))
        return servers

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.close()
        if self._connection is not None:
            await asyncio.gather(self._connection, return_exceptions=True)
            self._connection = None

    def _gateway_ended(self, task: asyncio.Task) -> None:
        """connect() only returns for good (a bad token, a closed client): say so loudly."""
        if not task.cancelled() and task.exception() is not None:
            log.error("The Discord gateway connection stopped: %r", task.exception(), exc_info=task.exception())

    def spawn(self, work, what: str) -> asyncio.Task:
        """Inbound work runs beside the gateway loop; failures are logged, never lost silently."""
        task = asyncio.create_task(work, name=f"discord:{what}")
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("Discord %s failed", what, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def record(self, item: ChatInput) -> bool:
        """Into the core's chat inbox (before the ack); False for a redelivery.
        Without an inbox (a platform driven by a stand-in core) handled at once."""
        record = self.handlers.record_input if self.handlers is not None else None
        if record is not None:
            return await record(item)
        self.spawn(self.inbound.handle(item), item.kind)
        return True

    async def handle_input(self, item: ChatInput) -> None:
        """An inbox entry recorded by `record`, handled by the core's inbox worker."""
        await self.inbound.handle(item)

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def bot_user_id(self) -> int | None:
        return self.client.user.id if self.client and self.client.user else None

    def channel(self, channel_id: str | int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(channel_id))

    # -- the ChatPlatform port --------------------------------------------

    async def post_card(self, channel: str, card: Card) -> MessageRef:
        await self.pace.take()
        message = await self.channel(channel).send(
            content=summary(card), embeds=card_embeds(card), view=card_view(card), allowed_mentions=NO_PINGS,
            nonce=nonce("c", f"{channel}:{card.case_id}"),  # enforce_nonce: a resend returns this message
        )
        self.remember_case(str(message.id), channel, card.case_id)
        await self._open_thread(channel, str(message.id), card)
        return MessageRef(platform=self.name, channel=channel, message_id=str(message.id))

    async def _open_thread(self, channel: str, message_id: str, card: Card | None = None) -> None:
        """Each case's thread hangs off its card (the thread's id is the card's)."""
        name = f"Case #{card.case_id} · @{card.author.handle}" if card else "Case"
        await self.pace.take()
        try:
            await self.client.http.start_thread_with_message(
                int(channel), int(message_id), name=clip(name, 100), auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                rate_limit_per_user=0, reason="Rejoinder case thread")
        except discord.HTTPException as error:
            if error.code != THREAD_EXISTS:
                log.warning("Could not open the thread of card %s in %s: %s", message_id, channel, error)

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        self.remember_case(ref.message_id, ref.channel, card.case_id)
        await self.pace.take()
        await self.channel(ref.channel).get_partial_message(int(ref.message_id)).edit(
            content=summary(card), embeds=card_embeds(card), view=card_view(card), allowed_mentions=NO_PINGS)

    async def post_in_thread(self, ref: MessageRef, text: str, key: str | None = None) -> MessageRef:
        thread = ref.thread_id or ref.message_id
        body = clip(inert(text, CONTENT - 100, links=True) or "-", CONTENT - 80) + (lookup.marker(key) if key else "")
        options = {"content": body, "allowed_mentions": NO_PINGS, **({"nonce": nonce("l", key)} if key else {})}
        await self.pace.take()
        try:
            message = await self.channel(thread).send(**options)
        except discord.NotFound as error:
            if error.code != UNKNOWN_CHANNEL:
                raise
            await self._open_thread(ref.channel, ref.message_id)  # the card's thread did not open at post time
            await self.pace.take()
            message = await self.channel(thread).send(**options)
        return MessageRef(platform=self.name, channel=ref.channel, message_id=str(message.id), thread_id=thread)

    async def find_card(self, channel: str, case_id: int) -> MessageRef | None:
        return await lookup.find_card(self, channel, case_id)

    async def find_in_thread(self, ref: MessageRef, key: str) -> MessageRef | None:
        return await lookup.find_in_thread(self, ref, key)

    # -- alerts, reports and charts (messages.py) ---------------------------

    async def post_message(self, channel: str, text: str, key: str | None = None, people: tuple[str, ...] = ()) -> MessageRef:
        return await own_messages.post_message(self, channel, text, key, people)

    async def find_message(self, channel: str, key: str) -> MessageRef | None:
        return await own_messages.find_message(self, channel, key)

    async def update_message(self, ref: MessageRef, text: str) -> None:
        await own_messages.update_message(self, ref, text)

    async def post_file(self, channel: str, data: bytes, filename: str, title: str, text: str = "",
                        thread: MessageRef | None = None) -> MessageRef:
        return await own_messages.post_file(self, channel, data, filename, title, text, thread)

    async def files_in_thread(self, ref: MessageRef) -> set[str]:
        return await own_messages.files_in_thread(self, ref)

    async def files_in_channel(self, channel: str) -> set[str]:
        return await own_messages.files_in_channel(self, channel)

    async def tell(self, user: ChatUser, channel: str | None, text: str) -> None:
        """Outside an interaction Discord has no ephemeral messages: a direct message."""
        await self.pace.take()
        try:
            dm = await self.client.http.start_private_message(int(user.id))
            await self.pace.take()
            await self.channel(dm["id"]).send(content=clip(inert(text, CONTENT, links=True), CONTENT) or "-",
                                              allowed_mentions=NO_PINGS)
        except discord.Forbidden as error:  # they accept no direct messages from this server
            log.warning("Could not send %s a direct message (%s); the answer was: %s", user.id, error, text[:200])

    # -- what inbound handling shares -------------------------------------

    def remember_case(self, message_id: str, channel: str, case_id: int) -> None:
        self._cases[message_id] = (channel, case_id)
        self._cases.move_to_end(message_id)
        while len(self._cases) > 50_000:
            self._cases.popitem(last=False)

    async def case_of_thread(self, thread: discord.abc.Messageable) -> tuple[str, int] | None:
        """(channel, case) of the card a thread hangs off, or None if it is no case's thread."""
        known = self._cases.get(str(thread.id))
        if known is not None:
            return known
        parent = getattr(thread, "parent_id", None)
        if not parent or str(thread.id) in self._not_cases:
            return None
        # Messages arriving together share one look at the thread's starter message.
        pending = self._lookups.get(str(thread.id))
        if pending is None:
            pending = self._lookups[str(thread.id)] = asyncio.ensure_future(
                lookup.case_of_card(self, str(parent), str(thread.id)))
            pending.add_done_callback(lambda _f: self._lookups.pop(str(thread.id), None))
        found = await asyncio.shield(pending)
        if found is None:
            if len(self._not_cases) > 10_000:
                self._not_cases.clear()
            self._not_cases.add(str(thread.id))  # other threads' talk costs one look, not one per message
        return found

    def user_of(self, who: discord.abc.User, guild_id: int | None) -> ChatUser:
        """A person as the core sees them: their Discord roles are their groups,
        their server is their team (a partner server's members are partners)."""
        roles = tuple(str(r.id) for r in getattr(who, "roles", ()) if not r.is_default())
        return ChatUser(id=str(who.id), name=who.display_name or who.name, platform=self.name,
                        team_id=str(guild_id) if guild_id else None, groups=roles)

    def people(self, users: list[discord.abc.User], guild_id: int | None) -> tuple[ChatUser, ...]:
        return tuple(self.user_of(u, guild_id) for u in users[:5])
