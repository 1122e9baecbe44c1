"""Slack as a chat platform: cards into team channels, buttons, modals, thread
notes, `/rejoinder` and the App Home, through slack_bolt's AsyncApp.

Socket Mode (an `xapp-` token) is the default; with only a signing secret the
app serves Slack's HTTP requests itself and bolt checks their signatures.
Every listener acks at once and does the work in a background task, because
Slack gives up on an ack after three seconds.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import replace

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import ChatHandlers, ChatInput, TokenRefused
from bot.types import Card, ChatUser, MessageRef

from integrations.chat.slack import lookup as slack_lookup
from integrations.chat.slack import messages as slack_messages
from integrations.chat.slack.blocks import card_blocks, fallback_text
from integrations.chat.slack.groups import GROUP_CACHE_SECONDS, SlackUserGroups
from integrations.chat.slack.inbound import Inbound
from integrations.chat.common import RecentKeys
from integrations.chat.slack.limits import ChannelRateLimiter
from integrations.chat.slack.lookup import CASE_METADATA_TYPE, line_metadata
from integrations.chat.slack.text import escape

log = logging.getLogger(__name__)

MESSAGE_TEXT_LIMIT = 39_000
USER_CACHE_SECONDS = 3600.0
# Slack's answers for a token it will not take, whatever the retry.
REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
           "not_allowed_token_type", "missing_scope"}


class SlackPlatform:
    name = "slack"

    def __init__(
        self,
        bot_token: str,
        app_token: str | None,
        signing_secret: str | None,
        api_base_url: str = "https://slack.com/api/",
        home_team_id: str | None = None,
        http_host: str = "127.0.0.1",
        http_port: int = 3000,
        *,
        ping_interval: float = 10.0,
        post_rate: float = 1.0,
        post_burst: int = 3,
        http_path: str = "/slack/events",
        group_cache_seconds: float = GROUP_CACHE_SECONDS,
    ) -> None:
        if not bot_token:
            raise ValueError("slack.bot_token is empty: give the bot token (xoxb-…)")
        if app_token and not app_token.startswith("xapp-"):
            raise ValueError("slack.app_token must be an app-level token starting with 'xapp-'")
        if not app_token and not signing_secret:
            raise ValueError("slack: set app_token (Socket Mode) or signing_secret (HTTP mode); neither is set")
        self.mode = "socket" if app_token else "http"
        self.app_token = app_token
        self.home_team_id = home_team_id
        self.http_host, self.http_port, self.http_path = http_host, http_port, http_path
        self.ping_interval = ping_interval
        base = api_base_url if api_base_url.endswith("/") else api_base_url + "/"  # urljoin drops a last segment without it
        # No silent resend after a dropped connection: chat.postMessage has no
        # idempotency key, so a resend could post twice. 429s are waited out
        # by the limiter; the outbox's retry of a post in doubt looks for it
        # first (find_card, find_in_thread).
        self.client = AsyncWebClient(token=bot_token, base_url=base, retry_handlers=[])
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            request_verification_enabled=self.mode == "http",
            name="rejoinder",
        )
        self.limiter = ChannelRateLimiter(rate=post_rate, burst=post_burst)
        self.groups = SlackUserGroups(self.client, ttl=group_cache_seconds)
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self.handlers: ChatHandlers | None = None
        self._cases: OrderedDict[tuple[str, str], int | None] = OrderedDict()
        self._users: dict[str, tuple[float, ChatUser]] = {}
        self._channel_ids: dict[str, str] = {}
        self._tasks: set[asyncio.Task] = set()
        self._recent = RecentKeys(20_000)  # Slack retries for up to ~5 minutes
        self.extra_routes: list[web.RouteDef] = []  # served next to Slack's in HTTP mode
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.inbound = Inbound(self)
        self.inbound.register(self.app)

    # -- lifecycle -------------------------------------------------------

    async def start(self, handlers: ChatHandlers) -> None:
        self.handlers = handlers
        auth = await self._checked(self.client.auth_test(), "SLACK_BOT_TOKEN", "bot token (xoxb-…)")
        self.bot_user_id, self.bot_id = auth.get("user_id"), auth.get("bot_id")
        self.home_team_id = self.home_team_id or auth.get("team_id")
        if self.mode == "socket":
            # Built here: the handler opens an aiohttp session in __init__ and
            # needs the running loop. It reconnects by itself from then on.
            self._socket = AsyncSocketModeHandler(self.app, self.app_token, ping_interval=self.ping_interval)
            # Asked once here: a refused app token stops the start with its name,
            # where the handler would retry it (and log a traceback) for ever.
            socket = self._socket.client
            socket.wss_uri = await self._checked(socket.issue_new_wss_url(), "SLACK_APP_TOKEN",
                                                 "app-level token (xapp-…) with the connections:write scope")
            await self._socket.connect_async()
        else:
            web_app = self.app.web_app(path=self.http_path, port=self.http_port)
            web_app.add_routes(self.extra_routes)  # e.g. /healthz and /metrics on the same port
            self._runner = web.AppRunner(web_app)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.http_host, self.http_port).start()
            self.http_port = self._runner.addresses[0][1]  # the real one when 0 was asked for
        log.info("Slack connected as %s in team %s (%s mode)", self.bot_user_id, self.home_team_id, self.mode)

    @staticmethod
    async def _checked(call, variable: str, what: str):
        try:
            return await call
        except SlackApiError as error:
            code = error.response.get("error")
            if code in REFUSED:
                raise TokenRefused(variable, f"Slack refused the {what} ({code}); set a valid one and start again") from None
            raise

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def spawn(self, work: Coroutine, what: str) -> asyncio.Task:
        """Run listener work after the ack; failures are logged, never lost silently."""
        task = asyncio.create_task(work, name=f"slack:{what}")
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("Slack %s failed", what, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def record(self, item: ChatInput) -> bool:
        """Into the core's chat inbox before the ack; without one (a platform
        driven by a stand-in core) handled at once, redeliveries dropped here."""
        record = self.handlers.record_input if self.handlers is not None else None
        if record is not None:
            return await record(item)
        if self._recent.seen(item.key):
            return False
        self.spawn(self.inbound.handle(item), item.kind)
        return True

    async def handle_input(self, item: ChatInput) -> None:
        """An inbox entry recorded by `record`, handled by the core's inbox worker."""
        await self.inbound.handle(item)

    async def idle(self) -> None:
        """Wait until the background work started so far is finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- the ChatPlatform port --------------------------------------------

    async def post_card(self, channel: str, card: Card) -> MessageRef:
        response = await self.limiter.call(
            self._channel_ids.get(channel, channel), self.client.chat_postMessage,
            channel=channel, text=fallback_text(card), blocks=card_blocks(card),
            metadata={"event_type": CASE_METADATA_TYPE, "event_payload": {"case_id": card.case_id}},
            unfurl_links=False, unfurl_media=False,
        )
        channel_id, ts = response["channel"], response["ts"]
        self._channel_ids[channel] = channel_id  # "#care" and its id share one rate limit
        self.remember_case(channel_id, ts, card.case_id)
        return MessageRef(platform=self.name, channel=channel_id, message_id=ts)

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        self.remember_case(ref.channel, ref.message_id, card.case_id)
        await self.limiter.call(
            ref.channel, self.client.chat_update,
            channel=ref.channel, ts=ref.message_id, text=fallback_text(card), blocks=card_blocks(card),
        )

    async def post_in_thread(self, ref: MessageRef, text: str, key: str | None = None) -> MessageRef:
        thread_ts = ref.thread_id or ref.message_id
        response = await self.limiter.call(
            ref.channel, self.client.chat_postMessage,
            channel=ref.channel, thread_ts=thread_ts, text=escape(text, MESSAGE_TEXT_LIMIT) or "-",
            unfurl_links=False, unfurl_media=False,
            **({"metadata": line_metadata(key)} if key else {}),  # what find_in_thread looks for
        )
        return MessageRef(platform=self.name, channel=response["channel"], message_id=response["ts"], thread_id=thread_ts)

    async def tell(self, user: ChatUser, channel: str | None, text: str, thread_ts: str | None = None) -> None:
        body = escape(text, MESSAGE_TEXT_LIMIT) or "-"
        if channel:
            try:
                await self.limiter.call(
                    channel, self.client.chat_postEphemeral,
                    channel=channel, user=user.id, text=body, thread_ts=thread_ts,
                )
                return
            except SlackApiError as error:  # e.g. not in that channel: a DM still reaches them
                log.info("Ephemeral message to %s in %s failed (%s); sending a DM", user.id, channel, error.response.get("error"))
        await self.limiter.call(user.id, self.client.chat_postMessage, channel=user.id, text=body)

    # -- alerts and files (optional port methods) ------------------------

    async def post_message(self, channel: str, text: str, key: str | None = None, people: tuple[str, ...] = ()) -> MessageRef:
        return await slack_messages.post_message(self, channel, text, key, people)

    async def find_message(self, channel: str, key: str) -> MessageRef | None:
        return await slack_messages.find_message(self, channel, key)

    async def update_message(self, ref: MessageRef, text: str) -> None:
        await slack_messages.update_message(self, ref, text)

    async def post_file(self, channel: str, data: bytes, filename: str, title: str, text: str = "",
                        thread: MessageRef | None = None) -> MessageRef:
        return await slack_messages.post_file(self, channel, data, filename, title, text, thread)

    async def files_in_thread(self, ref: MessageRef) -> set[str]:
        return await slack_messages.files_in_thread(self, ref)

    async def files_in_channel(self, channel: str) -> set[str]:
        return await slack_messages.files_in_channel(self, channel)

    # -- what the listeners share ----------------------------------------

    def remember_case(self, channel: str, ts: str, case_id: int | None) -> None:
        self._cases[(channel, ts)] = case_id
        self._cases.move_to_end((channel, ts))
        while len(self._cases) > 50_000:
            self._cases.popitem(last=False)

    async def find_card(self, channel: str, case_id: int, search: int = 200) -> MessageRef | None:
        return await slack_lookup.find_card(self, self._channel_ids.get(channel, channel), case_id, search)

    async def find_in_thread(self, ref: MessageRef, key: str) -> MessageRef | None:
        return await slack_lookup.find_in_thread(self, ref, key)

    async def case_of_thread(self, channel: str, thread_ts: str) -> int | None:
        """The case whose card starts this thread, or None. After a restart the
        card's message metadata still names its case."""
        if (channel, thread_ts) in self._cases:
            return self._cases[(channel, thread_ts)]
        return await slack_lookup.case_of_thread(self, channel, thread_ts)

    async def user(self, user_id: str, team_hint: str | None = None) -> ChatUser:
        """The person behind a Slack user id, with their real name, their own
        workspace (a Slack Connect partner's differs from ours) and their user
        groups. Groups are looked up on every call (from their own, shorter
        cache) so leaving a group takes its roles away within minutes."""
        groups = await self.groups.of(user_id)
        return replace(await self._person(user_id, team_hint), groups=groups)

    async def _person(self, user_id: str, team_hint: str | None) -> ChatUser:
        cached = self._users.get(user_id)
        if cached and time.monotonic() - cached[0] < USER_CACHE_SECONDS:
            return cached[1]
        try:
            info = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return ChatUser(id=user_id, name=user_id, platform=self.name, team_id=team_hint)
        profile = info.get("profile") or {}
        name = profile.get("real_name") or info.get("real_name") or profile.get("display_name") or info.get("name")
        person = ChatUser(id=user_id, name=name or user_id, platform=self.name, team_id=info.get("team_id") or team_hint)
        if len(self._users) > 5000:
            self._users.clear()
        self._users[user_id] = (time.monotonic(), person)
        return person
