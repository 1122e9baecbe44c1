"""What arrives from Discord: button clicks and picks, modal submissions,
`/rejoinder`, and messages (thread talk and mentions of the bot). All of it
enters here, so one place decides what is recorded and when it is answered.

Discord gives an interaction three seconds. A click, a modal submission, a
slash command or a thread message is first written to the core's chat inbox
(see bot/chat/inbox.py), then acknowledged (deferred), then handled from the
inbox and answered with a follow-up: a crash after the ack loses nothing, the
next start handles it. A redelivery (a RESUME replay, another process) carries
the same Discord id and is kept once. Opening a modal is the one answer given
at once: it changes nothing, its submission is what is recorded. A click is
only a request: the core's `on_command` decides.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.ports import Command
from bot.types import CommandResult, MessageRef

from integrations.chat.discord import inputs
from integrations.chat.discord.components import edit_modal, reject_modal
from integrations.chat.discord.embeds import home_embed
from integrations.chat.discord.text import CONTENT, clip, inert
from integrations.chat.common import RecentKeys, run_command, split_words

if TYPE_CHECKING:
    from integrations.chat.discord.platform import DiscordPlatform

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
CARD_WAIT = 2.0  # seconds to fetch a card for the Edit modal, inside the interaction's 3
_USER = re.compile(r"<@!?(\d+)>")


class Inbound:
    def __init__(self, platform: DiscordPlatform) -> None:
        self.platform = platform
        self.seen = RecentKeys(20_000)  # interaction and message ids

    @property
    def handlers(self):
        if self.platform.handlers is None:
            raise RuntimeError("DiscordPlatform received an event before start()")
        return self.platform.handlers

    def first_time(self, kind: str, snowflake: int) -> bool:
        return not self.seen.seen((kind, snowflake))

    # -- buttons, pickers and modals -------------------------------------

    async def click(self, interaction: discord.Interaction, action: str, case_id: int,
                    picked: list[discord.abc.User] = ()) -> None:
        if not self.first_time("interaction", interaction.id):
            return
        user = self.platform.user_of(interaction.user, interaction.guild_id)
        if action == "reject":
            await interaction.response.send_modal(reject_modal(case_id))
            return
        if action == "edit":
            await self.open_editor(interaction, case_id, user)
            return
        command = Command(name=action, args=" ".join(str(u.id) for u in picked), user=user, case_id=case_id,
                          channel=str(interaction.channel_id), ref=self._card_ref(interaction),
                          people=self.platform.people(list(picked), interaction.guild_id))
        await self.accept(interaction, command)

    async def link(self, interaction: discord.Interaction, case_id: int, n: int) -> None:
        """A card's Link button: the same `link` command as typing it."""
        if not self.first_time("interaction", interaction.id):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = self.platform.user_of(interaction.user, interaction.guild_id)
        card = await self.handlers.card(case_id, user)
        found = card.crm.suggestions if card is not None and card.crm is not None else ()
        if n >= len(found) or not found[n].email:
            await self.follow_up(interaction, CommandResult("That suggestion is no longer on the card.", ok=False))
            return
        command = Command(name="link", args=f"{card.network}:{card.author.handle} to {found[n].email}", user=user,
                          case_id=case_id, channel=str(interaction.channel_id), ref=self._card_ref(interaction))
        await self.follow_up(interaction, await self.run(command))

    async def open_editor(self, interaction: discord.Interaction, case_id: int, user) -> None:
        """A modal must be the first answer, so the card is fetched within the 3 s."""
        try:
            card = await asyncio.wait_for(self.handlers.card(case_id, user), CARD_WAIT)
        except TimeoutError:
            await interaction.response.send_message("Busy right now; please try Edit again.", ephemeral=True)
            return
        if card is None or card.draft is None:
            await interaction.response.send_message(f"Case #{case_id} has no draft to edit.", ephemeral=True)
            return
        await interaction.response.send_modal(edit_modal(card))

    async def submitted(self, interaction: discord.Interaction, action: str, case_id: int, text: str) -> None:
        if not self.first_time("interaction", interaction.id):
            return
        user = self.platform.user_of(interaction.user, interaction.guild_id)
        command = Command(name=action, args=text, user=user, case_id=case_id, channel=str(interaction.channel_id),
                          ref=self._card_ref(interaction))
        await self.accept(interaction, command)

    async def accept(self, interaction: discord.Interaction, command: Command) -> None:
        """Record, then acknowledge; the inbox worker runs the command and answers."""
        item = inputs.interaction_input(self.platform.name, interaction.id, interaction.application_id,
                                        interaction.token, command)
        acked = self.platform.acks.setdefault(item.key, asyncio.Event())
        try:
            if not await self.platform.record(item):
                return  # a redelivery: the first delivery was acknowledged and is handled
            await interaction.response.defer(ephemeral=True, thinking=True)
        finally:
            acked.set()  # the answer may go now (or never will be accepted: the handler tries anyway)
            # Handled by another process, it is never picked up here: forget it after a while.
            asyncio.get_running_loop().call_later(60, self.platform.acks.pop, item.key, None)

    async def handle(self, item) -> None:
        """What the inbox worker calls for an entry recorded here."""
        payload = item.payload
        if "note" in payload:
            note = payload["note"]
            await self.handlers.on_thread_message(inputs.ref_of(note["ref"]), inputs.user_of(note["user"]), note["text"])
            return
        command = inputs.command_of(payload["command"])
        result = await self.run(command)
        if "answer" not in payload:  # a message addressed to the bot: answered in a direct message
            if result.text:
                await self.platform.tell(command.user, command.channel, result.text)
            return
        acked = self.platform.acks.pop(item.key, None)
        if acked is not None:  # recorded by this process a moment ago: the follow-up needs the ack first
            try:
                async with asyncio.timeout(CARD_WAIT):
                    await acked.wait()
            except TimeoutError:
                pass
        answer = payload["answer"]
        webhook = discord.Webhook.from_state(
            data={"id": int(answer["application"]), "type": 3, "token": answer["token"]},
            state=self.platform.client._connection)  # what Interaction.followup builds
        try:
            await self.send_answer(webhook, result)
        except discord.HTTPException as error:  # the token ran out (15 min): the command still took effect
            log.warning("Could not answer %s on Discord (%s): %s", item.key, error, result.text[:200])

    def _card_ref(self, interaction: discord.Interaction) -> MessageRef | None:
        message = interaction.message
        if message is None:
            return None
        return MessageRef(self.platform.name, str(interaction.channel_id), str(message.id))

    async def run(self, command: Command) -> CommandResult:
        return await run_command(self.handlers, command)

    async def follow_up(self, interaction: discord.Interaction, result: CommandResult, **extra) -> None:
        await self.send_answer(interaction.followup, result, **extra)

    @staticmethod
    async def send_answer(webhook: discord.Webhook, result: CommandResult, **extra) -> None:
        text = clip(inert(result.text, CONTENT, links=True), CONTENT) if result.text else "Done."
        await webhook.send(content=text, ephemeral=True, allowed_mentions=NO_PINGS, **extra)

    # -- /rejoinder ------------------------------------------------------

    def slash_group(self) -> app_commands.Group:
        # Servers only: in a direct message nobody's server, and so nobody's roles, can be known.
        group = app_commands.Group(name="rejoinder", description="Rejoinder: cases, customers and figures",
                                   guild_only=True)

        @group.command(name="lookup", description="A customer's 360° view")
        @app_commands.describe(who="@handle, network:handle or email")
        async def lookup(interaction: discord.Interaction, who: str) -> None:
            await self.slash(interaction, "lookup", who)

        @group.command(name="case", description="Show a case")
        async def case(interaction: discord.Interaction, number: int) -> None:
            await self.slash(interaction, "case", str(number), case_id=number)

        @group.command(name="stats", description="Volume, stages, response times and SLA breaches, with a chart")
        @app_commands.describe(scope="[team|route] [since], e.g. support 7d")
        async def stats(interaction: discord.Interaction, scope: str = "") -> None:
            await self.slash(interaction, "stats", scope)

        @group.command(name="advocates", description="The brand's advocates, or one advocate's history")
        @app_commands.describe(who="@handle, or a period like 30d")
        async def advocates(interaction: discord.Interaction, who: str = "") -> None:
            await self.slash(interaction, "advocates", who)

        @group.command(name="watch", description="Extra terms the sources listen for")
        @app_commands.describe(what="list | add <term> | remove <term>")
        async def watch(interaction: discord.Interaction, what: str = "list") -> None:
            await self.slash(interaction, "watch", what)

        @group.command(name="help", description="What you can do here")
        async def help_(interaction: discord.Interaction) -> None:
            await self.slash(interaction, "help", "")

        @group.command(name="home", description="Your dashboard: your cases, your approvals, the day")
        async def home(interaction: discord.Interaction) -> None:
            if not self.first_time("interaction", interaction.id):
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            view = await self.handlers.home(self.platform.user_of(interaction.user, interaction.guild_id))
            await interaction.followup.send(embed=home_embed(view), ephemeral=True, allowed_mentions=NO_PINGS)

        return group

    async def slash(self, interaction: discord.Interaction, name: str, args: str, case_id: int | None = None) -> None:
        if not self.first_time("interaction", interaction.id):
            return
        user = self.platform.user_of(interaction.user, interaction.guild_id)
        named = [int(x) for x in _USER.findall(args)]
        people = self.platform.people([m for m in map(self._member(interaction), named) if m], interaction.guild_id)
        command = Command(name=name, args=_USER.sub(r"\1", args), user=user, case_id=case_id,
                          channel=str(interaction.channel_id), people=people)
        await self.accept(interaction, command)

    @staticmethod
    def _member(interaction: discord.Interaction):
        guild = interaction.guild
        return lambda uid: (guild.get_member(uid) if guild else None) or interaction.client.get_user(uid)

    # -- thread talk and mentions ----------------------------------------

    async def message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id or message.type not in (
                discord.MessageType.default, discord.MessageType.reply):
            return  # bots (ourselves included), webhooks and system messages are not notes
        if not self.first_time("message", message.id):
            return  # replayed after a RESUME
        bot_id = self.platform.bot_user_id
        addressed = any(u.id == bot_id for u in message.mentions)
        in_thread = isinstance(message.channel, discord.Thread) or message.channel.type in (
            discord.ChannelType.public_thread, discord.ChannelType.private_thread)
        found = await self.platform.case_of_thread(message.channel) if in_thread else None
        if found is None and not addressed:
            return
        user = self.platform.user_of(message.author, message.guild.id if message.guild else None)
        channel, case_id = found if found else (str(message.channel.id), None)
        if not addressed:
            ref = MessageRef(self.platform.name, channel, str(message.id), thread_id=str(message.channel.id))
            await self.platform.record(inputs.note_input(self.platform.name, message.id, ref, user, message.content))
            return
        text = re.sub(rf"<@!?{bot_id}>", " ", message.content)
        name, args = split_words(_USER.sub(r"\1", text))
        named = [u for u in message.mentions if u.id != bot_id]
        ref = MessageRef(self.platform.name, channel, str(message.channel.id), thread_id=str(message.channel.id)) \
            if found else None
        command = Command(name=name, args=args, user=user, case_id=case_id, channel=channel, ref=ref,
                          people=self.platform.people(named, message.guild.id if message.guild else None))
        await self.platform.record(inputs.command_message_input(self.platform.name, message.id, command))
