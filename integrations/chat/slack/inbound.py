"""What arrives from Slack: button clicks, modal submissions, `/rejoinder`,
thread messages, mentions of the bot and App Home visits.

Clicks, submissions, commands and thread messages are written to the chat
inbox before the ack and handled from there (see bot/chat/inbox.py); a click
is only a request, the core's `on_command` decides whether it is allowed.
"""
from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.ports import ChatInput, Command
from bot.types import ChatUser, CommandResult, MessageRef

from integrations.chat.slack.blocks import ACTION_PREFIX, home_view
from integrations.chat.slack.modals import (
    EDIT_CALLBACK, REJECT_CALLBACK, INPUT_BLOCK, edit_modal, loading_modal, notice_modal, read_metadata, reject_modal,
    submitted_text,
)
from integrations.chat.common import RecentKeys, run_command, split_words
from integrations.chat.slack.inputs import (
    ACTION_PATTERN, HANDLED_SUBTYPES, MODAL_ACTIONS, ignored, input_of,
)
from integrations.chat.slack.text import escape

if TYPE_CHECKING:
    from integrations.chat.slack.platform import SlackPlatform

log = logging.getLogger(__name__)

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
        self.seen_events = RecentKeys(20_000)  # events not recorded (App Home visits) that Slack redelivers

    def register(self, app: AsyncApp) -> None:
        spawn = self.platform.spawn

        async def record_first(body: dict, next):
            """Clicks, submissions, commands and thread messages are written to
            the chat inbox before Slack hears the ack (this response), and
            handled from there; a redelivery is acked and dropped."""
            item = input_of(self.platform.name, self.platform.bot_user_id, body)
            if item is None:
                if ignored(body) or (body.get("event_id") and self.seen_events.seen(body["event_id"])):
                    return BoltResponse(status=200, body="")  # acked: Slack stops retrying
                return await next()
            await self.platform.record(item)
            return BoltResponse(status=200, body="")

        async def on_view(ack, body, view):  # reached only by an empty submission
            await ack(response_action="errors", errors={INPUT_BLOCK: "Please write something first."})

        async def on_home(event):
            if event.get("tab", "home") == "home":
                spawn(self.home(event["user"]), "app home")

        app.middleware(record_first)
        app.view(EDIT_CALLBACK)(on_view)
        app.view(REJECT_CALLBACK)(on_view)
        app.event("app_home_opened")(on_home)

    async def handle(self, item: ChatInput) -> None:
        """What the inbox worker calls for an entry `input_of` made."""
        body = item.payload
        if item.kind == "action":
            for action in body.get("actions") or []:
                if ACTION_PATTERN.match(action.get("action_id", "")):
                    await self.action(body, action)
        elif item.kind == "view":
            await self.modal(body, body["view"], submitted_text(body["view"]).strip())
        elif item.kind == "slash":
            await self.slash(body, AsyncRespond(response_url=body.get("response_url")))
        elif item.kind == "message":
            await self.message(body["event"])
        else:
            log.warning("Slack input of unknown kind %s dropped", item.kind)

    @property
    def handlers(self):
        if self.platform.handlers is None:
            raise RuntimeError("SlackPlatform received a request before start()")
        return self.platform.handlers

    # -- buttons and modals ----------------------------------------------

    async def action(self, body: dict, action: dict) -> None:
        # A card's "Link" buttons are `link:0`, `link:1`…: action ids are unique within a block.
        name = action["action_id"].removeprefix(ACTION_PREFIX).partition(":")[0]
        case_id = _case_id(action)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
        ref = MessageRef(self.platform.name, channel, ts) if channel and ts else None
        who = body.get("user") or {}
        if case_id is None:
            log.warning("Slack action %s carried no case id", action.get("action_id"))
            return
        if name == "reject":  # the trigger id expires in 3 s: open the modal first
            await self.open_modal(body["trigger_id"], reject_modal(case_id, channel, ts))
            return
        if name == "edit":
            await self.open_editor(body["trigger_id"], case_id, who, channel, ts)
            return
        user = await self.platform.user(who["id"], who.get("team_id"))
        args = (action.get("selected_user") or "") if name == "assign" else \
            (action.get("value") or "") if name == "link" else ""
        command = Command(name=name, args=args, user=user, case_id=case_id, channel=channel, ref=ref,
                               people=await self.people([args] if args and name == "assign" else []))
        await self.answer(command, await self.run(command))

    async def open_editor(self, trigger_id: str, case_id: int, who: dict, channel: str | None, ts: str | None) -> None:
        """A loading modal goes up within the trigger's 3 s; the draft, which
        needs the user's name and the core's card, replaces it."""
        opened = await self.open_modal(trigger_id, loading_modal(case_id, "Edit draft"))
        if opened is None:
            return
        view_id = opened["view"]["id"]
        user = await self.platform.user(who["id"], who.get("team_id"))
        card = await self.handlers.card(case_id, user)
        if card is None or card.draft is None:
            view = notice_modal("Edit draft", f"Case #{case_id} has no draft to edit.")
        else:
            view = edit_modal(card, channel, ts)
        await self.platform.client.views_update(view_id=view_id, view=view)

    async def open_modal(self, trigger_id: str, view: dict):
        """A click handled after a restart has outlived its trigger (3 s): nothing to open then."""
        try:
            return await self.platform.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            if error.response.get("error") != "expired_trigger_id":
                raise
            log.info("A modal was not opened: its trigger expired before the click was handled")
            return None

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
        return await run_command(self.handlers, command)

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
    """Buttons carry the case id as their value; a user picker and a Link
    button do not, so the actions block id (`case:N`, `crm:N`) names it."""
    for raw in (action.get("value"), (action.get("block_id") or "").partition(":")[2]):
        if raw and str(raw).isdigit():
            return int(raw)
    return None
