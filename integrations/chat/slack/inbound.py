"""What arrives from Slack: button clicks, modal submissions, `/rejoinder`,
thread messages, mentions of the bot and App Home visits.

Each listener acks first and hands the rest to a background task; a click is
only a request, the core's `on_command` decides whether it is allowed.
"""
from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.ports import Command
from bot.types import ChatUser, CommandResult, MessageRef

from integrations.chat.slack.blocks import (
    ACTION_PREFIX, EDIT_CALLBACK, REJECT_CALLBACK, INPUT_BLOCK, edit_modal, home_view, loading_modal, notice_modal,
    read_metadata, reject_modal, submitted_text,
)
from integrations.chat.common import RecentKeys, split_words
from integrations.chat.slack.text import escape

if TYPE_CHECKING:
    from integrations.chat.slack.platform import SlackPlatform

log = logging.getLogger(__name__)

ACTION_PATTERN = re.compile("^" + re.escape(ACTION_PREFIX))
MODAL_ACTIONS = {EDIT_CALLBACK: "edit", REJECT_CALLBACK: "reject"}
HANDLED_SUBTYPES = (None, "thread_broadcast", "file_share")
NAMED_LIMIT = 5  # people looked up for one command
_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def plain_text(text: str) -> str:
    """Slack's wire text as a person typed it: links unwrapped, entities decoded."""
    def unwrap(m: re.Match) -> str:
        target, label = m.group(1), m.group(2)
        return label if label else target.removeprefix("mailto:")
    return html.unescape(_LINK.sub(unwrap, text or ""))


def named_users(text: str) -> list[str]:
    """The Slack user ids a message mentions (`<@U0DANA>`), in order, once each."""
    return list(dict.fromkeys(_USER.findall(text or "")))


def split_command(text: str) -> tuple[str, str]:
    """The command word and its arguments; a person picked from Slack's
    @-menu (`<@U0DANA>`) becomes their user id, as the Assign picker gives it."""
    return split_words(_USER.sub(r"\1", text))


class Inbound:
    def __init__(self, platform: SlackPlatform) -> None:
        self.platform = platform
        # Slack retries for up to ~5 minutes; these cover that in a busy workspace.
        self.seen_events = RecentKeys(20_000)
        self.seen_messages = RecentKeys(20_000)

    def register(self, app: AsyncApp) -> None:
        spawn = self.platform.spawn

        async def drop_duplicates(body: dict, next):
            if self._duplicate(body):
                return BoltResponse(status=200, body="")  # acked, so Slack stops retrying
            await next()

        async def on_action(ack, body, action):
            await ack()
            spawn(self.action(body, action), f"action {action.get('action_id')}")

        async def on_view(ack, body, view):
            text = submitted_text(view).strip()
            if not text:
                await ack(response_action="errors", errors={INPUT_BLOCK: "Please write something first."})
                return
            await ack()
            spawn(self.modal(body, view, text), f"view {view.get('callback_id')}")

        async def on_slash(ack, body, respond):
            await ack()
            spawn(self.slash(body, respond), "slash command")

        async def on_message(event):
            spawn(self.message(event), f"{event.get('type')} event")

        async def on_home(event):
            if event.get("tab", "home") == "home":
                spawn(self.home(event["user"]), "app home")

        app.middleware(drop_duplicates)
        app.action(ACTION_PATTERN)(on_action)
        app.view(EDIT_CALLBACK)(on_view)
        app.view(REJECT_CALLBACK)(on_view)
        app.command("/rejoinder")(on_slash)
        app.event("message")(on_message)
        app.event("app_mention")(on_message)
        app.event("app_home_opened")(on_home)

    def _duplicate(self, body: dict) -> bool:
        """Slack redelivers events whose ack was late; a thread mention also
        arrives twice, as `message` and as `app_mention`, with one (channel, ts)."""
        if body.get("type") != "event_callback":
            return False
        if body.get("event_id") and self.seen_events.seen(body["event_id"]):
            return True
        event = body.get("event") or {}
        if event.get("type") in ("message", "app_mention") and event.get("subtype") is None and event.get("ts"):
            return self.seen_messages.seen((event.get("channel"), event["ts"]))
        return False

    @property
    def handlers(self):
        if self.platform.handlers is None:
            raise RuntimeError("SlackPlatform received a request before start()")
        return self.platform.handlers

    # -- buttons and modals ----------------------------------------------

    async def action(self, body: dict, action: dict) -> None:
        name = action["action_id"].removeprefix(ACTION_PREFIX)
        case_id = _case_id(action)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
        ref = MessageRef(self.platform.name, channel, ts) if channel and ts else None
        who = body.get("user") or {}
        if case_id is None:
            log.warning("Slack action %s carried no case id", action.get("action_id"))
            return
        if name == "reject":  # the trigger id expires in 3 s: open the modal first
            await self.platform.client.views_open(trigger_id=body["trigger_id"], view=reject_modal(case_id, channel, ts))
            return
        if name == "edit":
            await self.open_editor(body["trigger_id"], case_id, who, channel, ts)
            return
        user = await self.platform.user(who["id"], who.get("team_id"))
        args = (action.get("selected_user") or "") if name == "assign" else ""
        command = Command(name=name, args=args, user=user, case_id=case_id, channel=channel, ref=ref,
                               people=await self.people([args] if args else []))
        await self.answer(command, await self.run(command))

    async def open_editor(self, trigger_id: str, case_id: int, who: dict, channel: str | None, ts: str | None) -> None:
        """A loading modal goes up within the trigger's 3 s; the draft, which
        needs the user's name and the core's card, replaces it."""
        opened = await self.platform.client.views_open(trigger_id=trigger_id, view=loading_modal(case_id, "Edit draft"))
        view_id = opened["view"]["id"]
        user = await self.platform.user(who["id"], who.get("team_id"))
        card = await self.handlers.card(case_id, user)
        if card is None or card.draft is None:
            view = notice_modal("Edit draft", f"Case #{case_id} has no draft to edit.")
        else:
            view = edit_modal(card, channel, ts)
        await self.platform.client.views_update(view_id=view_id, view=view)

    async def modal(self, body: dict, view: dict, text: str) -> None:
        meta = read_metadata(view.get("private_metadata", ""))
        case_id = meta.get("case_id") if isinstance(meta.get("case_id"), int) else None
        channel, ts = meta.get("channel"), meta.get("ts")
        who = body.get("user") or {}
        user = await self.platform.user(who["id"], who.get("team_id"))
        ref = MessageRef(self.platform.name, channel, ts) if channel and ts else None
        name = MODAL_ACTIONS[view["callback_id"]]
        command = Command(name=name, args=text, user=user, case_id=case_id, channel=channel, ref=ref)
        await self.answer(command, await self.run(command))

    async def people(self, user_ids: list[str]) -> tuple[ChatUser, ...]:
        """The people a command names, with their names, for the core's lines."""
        return tuple([await self.platform.user(user_id) for user_id in user_ids[:NAMED_LIMIT]])

    async def run(self, command: Command) -> CommandResult:
        """The core's answer; a failure there still gets the person a reply."""
        try:
            return await self.handlers.on_command(command)
        except Exception:
            log.exception("Command %s on case %s failed", command.name, command.case_id)
            return CommandResult(f"Sorry, '{command.name}' failed on our side. It has been logged.", ok=False)

    async def answer(self, command: Command, result: CommandResult) -> None:
        """Private answers go to the person alone; public ones into the case thread."""
        if not result.text:
            return
        if not result.ephemeral and command.ref is not None:
            await self.platform.post_in_thread(command.ref, result.text)
        else:
            thread = command.ref.thread_id if command.ref else None
            await self.platform.tell(command.user, command.channel, result.text, thread_ts=thread)

    # -- /rejoinder ------------------------------------------------------

    async def slash(self, body: dict, respond) -> None:
        name, args = split_command(plain_text(body.get("text", "")))
        user = await self.platform.user(body["user_id"], body.get("user_team"))
        case_id = int(args) if name == "case" and args.isdigit() else None
        command = Command(name=name, args=args, user=user, case_id=case_id, channel=body.get("channel_id"),
                               people=await self.people(named_users(body.get("text", ""))))
        result = await self.run(command)
        await respond(
            text=escape(result.text, 39_000) or "Done.",
            response_type="ephemeral" if result.ephemeral else "in_channel",
        )

    # -- thread messages and mentions ------------------------------------

    async def message(self, event: dict) -> None:
        if event.get("subtype") not in HANDLED_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return  # edits, deletions, joins and bots (ourselves included) are not notes
        channel, ts, text = event.get("channel"), event.get("ts"), event.get("text") or ""
        thread_ts = event.get("thread_ts")
        bot = self.platform.bot_user_id
        mention = re.compile(rf"<@{re.escape(bot)}(?:\|[^>]*)?>") if bot else None
        addressed = bool(mention and mention.search(text))
        in_thread = bool(thread_ts and thread_ts != ts)
        case_id = await self.platform.case_of_thread(channel, thread_ts) if in_thread else None
        if case_id is None and not addressed:
            return
        user = await self.platform.user(event["user"], event.get("user_team"))
        if not addressed:
            note_ref = MessageRef(self.platform.name, channel, ts, thread_id=thread_ts)
            await self.handlers.on_thread_message(note_ref, user, plain_text(text))
            return
        name, args = split_command(plain_text(mention.sub(" ", text)))
        root = thread_ts if in_thread else ts
        ref = MessageRef(self.platform.name, channel, root, thread_id=root)
        named = [u for u in named_users(text) if u != bot]
        command = Command(name=name, args=args, user=user, case_id=case_id, channel=channel, ref=ref,
                               people=await self.people(named))
        await self.answer(command, await self.run(command))

    # -- App Home --------------------------------------------------------

    async def home(self, user_id: str) -> None:
        user: ChatUser = await self.platform.user(user_id)
        view = home_view(await self.handlers.home(user))
        await self.platform.client.views_publish(user_id=user_id, view=view)


def _case_id(action: dict) -> int | None:
    """Buttons carry the case id as their value; a user picker has none, so
    the actions block id (`case:N`) names it."""
    for raw in (action.get("value"), (action.get("block_id") or "").removeprefix("case:")):
        if raw and str(raw).isdigit():
            return int(raw)
    return None
