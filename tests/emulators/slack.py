"""A local Slack for tests: the Web API methods Rejoinder uses, a Socket Mode
websocket, a response_url sink and scripted failures, on 127.0.0.1.

Everything is recorded; tests wait on what they expect with `wait_for_*`
(a condition, never a sleep). The Web API methods are in `slack_webapi`, the
builders of events, clicks, modal submissions and slash commands in
`slack_payloads`; both are mixed into `SlackEmulator` so ids line up.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.emulators.slack_payloads import PayloadBuilders
from tests.emulators.slack_webapi import WebApiMethods

JSON_FIELDS = ("blocks", "view", "metadata", "attachments", "files")


@dataclass
class ApiCall:
    method: str
    args: dict
    status: int
    response: dict
    token: str | None
    at: float  # time.monotonic() when answered


@dataclass
class Link:
    """One Socket Mode websocket the client opened."""

    index: int
    ws: web.WebSocketResponse
    dead: bool = False  # stops answering pings, as a half-open connection would
    closed: bool = False
    pings: int = 0


@dataclass
class Failure:
    times: int
    status: int
    error: str
    retry_after: str | None


@dataclass
class SlackEmulator(WebApiMethods, PayloadBuilders):
    team_id: str = "T0HOME"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    app_id: str = "A0REJOINDER"
    bot_token: str = "xoxb-test-token"
    app_token: str = "xapp-test-token"
    calls: list[ApiCall] = field(default_factory=list)
    acks: dict[str, dict] = field(default_factory=dict)
    responses: list[dict] = field(default_factory=list)  # posts to response_url
    links: list[Link] = field(default_factory=list)
    messages: dict[str, list[dict]] = field(default_factory=dict)  # channel id -> messages
    users: dict[str, dict] = field(default_factory=dict)
    channels: dict[str, dict] = field(default_factory=dict)
    views: dict[str, dict] = field(default_factory=dict)  # view id -> the view as last opened or updated
    files: dict[str, dict] = field(default_factory=dict)  # file id -> {"filename", "length", "data", "shared"}
    usergroups: dict[str, dict] = field(default_factory=dict)  # subteam id -> group, members in "users"

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._failures: dict[str, Failure] = {}
        self._drops: dict[str, int] = {}  # method -> calls whose answer is lost after doing the work
        self._triggers: dict[str, float] = {}
        self._tickets: set[str] = set()
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------

    async def start(self) -> "SlackEmulator":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link", self._link)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for link in self.links:
            if not link.ws.closed:
                await link.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- directory -------------------------------------------------------

    def add_user(self, user_id: str, real_name: str, team_id: str | None = None) -> dict:
        user = {
            "id": user_id, "team_id": team_id or self.team_id, "name": real_name.lower().replace(" ", "."),
            "real_name": real_name, "is_bot": False, "profile": {"real_name": real_name, "display_name": real_name.split()[0]},
        }
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, shared: bool = False) -> dict:
        channel = {"id": channel_id, "name": name, "is_channel": True, "is_ext_shared": shared, "is_shared": shared}
        self.channels[channel_id] = channel
        self.messages.setdefault(channel_id, [])
        return channel

    def add_group(self, group_id: str, handle: str, members: list[str] = ()) -> dict:
        """A user group ("subteam", id S…) of our workspace."""
        group = {"id": group_id, "team_id": self.team_id, "is_usergroup": True, "is_subteam": True,
                 "name": handle.replace("-", " ").title(), "handle": handle, "description": "",
                 "is_external": False, "date_create": int(time.time()), "date_update": int(time.time()),
                 "date_delete": 0, "auto_type": None, "created_by": self.bot_user_id, "updated_by": self.bot_user_id,
                 "deleted_by": None, "prefs": {"channels": [], "groups": []}, "users": list(members),
                 "user_count": len(members)}
        self.usergroups[group_id] = group
        return group

    def set_group_members(self, group_id: str, members: list[str]) -> None:
        """As usergroups.users.update would: the group's whole member list."""
        group = self.usergroups[group_id]
        group.update(users=list(members), user_count=len(members), date_update=int(time.time()))

    def disable_group(self, group_id: str) -> None:
        self.usergroups[group_id]["date_delete"] = int(time.time())

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    def new_trigger(self) -> str:
        trigger = f"{next(self._counter)}.{uuid.uuid4().hex[:12]}"
        self._triggers[trigger] = time.monotonic() + 3.0  # Slack: 3 s, single use
        return trigger

    # -- scripted failures -----------------------------------------------

    def fail_next(self, method: str, times: int = 1, status: int = 429, error: str = "ratelimited",
                  retry_after: float | None = 1) -> None:
        """The next `times` calls of `method` fail (a 429 carries Retry-After)."""
        after = None if retry_after is None else str(retry_after)
        self._failures[method] = Failure(times, status, error, after)

    def drop_response_next(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` take effect; then the connection drops, unanswered."""
        self._drops[method] = times

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        await self._current_link().ws.send_str(json.dumps({"type": "disconnect", "reason": reason}))

    def kill_link(self) -> Link:
        """The current socket stays open but stops answering pings."""
        link = self._current_link()
        link.dead = True
        return link

    # -- waiting ---------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, find, timeout: float = 5, what: str = "condition"):
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(find), timeout)
            except TimeoutError:
                seen = [f"{c.method}:{c.status}" for c in self.calls[-15:]]
                raise AssertionError(f"no {what} within {timeout} s; last calls: {seen}") from None

    async def wait_for_call(self, method: str, timeout: float = 5, predicate=None, count: int = 1) -> ApiCall:
        """The `count`-th recorded call of `method` matching `predicate`."""
        def find():
            hits = [c for c in self.calls if c.method == method and (predicate is None or predicate(c))]
            return hits[count - 1] if len(hits) >= count else None
        return await self.wait_until(find, timeout, f"{method} call #{count}")

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict:
        return await self.wait_until(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    async def wait_for_response(self, timeout: float = 5, predicate=None) -> dict:
        def find():
            return next((r for r in self.responses if predicate is None or predicate(r)), None)
        return await self.wait_until(find, timeout, "response_url post")

    async def wait_for_link(self, count: int = 1, timeout: float = 10) -> Link:
        """The `count`-th socket once it is open and greeted."""
        def find():
            return self.links[count - 1] if len(self.links) >= count and not self.links[count - 1].closed else None
        return await self.wait_until(find, timeout, f"socket #{count}")

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    # -- Web API ---------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.get("token")
        status, body, headers = self._answer(method, args, token)
        self.calls.append(ApiCall(method, args, status, body, token, time.monotonic()))
        await self._notify()
        if self._drops.get(method, 0) > 0:
            self._drops[method] -= 1
            request.transport.abort()  # the work is done; the client never hears of it
            raise web.HTTPServiceUnavailable()
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, args: dict, token: str | None) -> tuple[int, dict, dict]:
        failure = self._failures.get(method)
        if failure and failure.times > 0:
            failure.times -= 1
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, {"ok": False, "error": failure.error}, headers
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(args), {}

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the bytes of one file."""
        upload = self.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload["data"] = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(upload['data'])}")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"token": request.match_info["token"], **body})
        await self._notify()
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            raise web.HTTPUnauthorized(text="unknown or used ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=False)  # pongs are answered (or not) below
        await ws.prepare(request)
        link = Link(index=len(self.links), ws=ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": self.app_id},
                                      "debug_info": {"host": "emulator", "approximate_connection_time": 18060}}))
        self.links.append(link)
        await self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    link.pings += 1
                    if not link.dead:
                        await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                        await self._notify()
        finally:
            link.closed = True
            await self._notify()
        return ws

    def _current_link(self) -> Link:
        live = [link for link in self.links if not link.closed and not link.ws.closed]
        if not live:
            raise AssertionError("no open Socket Mode connection")
        return live[-1]

    async def push(self, kind: str, payload: dict, retry_attempt: int = 0) -> str:
        """Send one envelope (events_api, interactive or slash_commands) on the newest socket."""
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""}
        await self._current_link().ws.send_str(json.dumps(envelope))
        return envelope_id
