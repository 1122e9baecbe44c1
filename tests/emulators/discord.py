"""A local Discord for tests: the REST routes Rejoinder uses, the gateway
websocket (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME,
INVALID_SESSION, dispatched events), interaction callbacks and webhook
follow-ups, per-route rate limits with 429s, on 127.0.0.1.

The real discord.py talks to it once `discord.http.Route.BASE` and
`DiscordWebSocket.DEFAULT_GATEWAY` point here (see `point_discord_py_at`).
Everything is recorded; tests wait on conditions, never on the clock. REST
routes are in `discord_rest`, payload builders in `discord_payloads`.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.emulators.discord_payloads import PayloadBuilders
from tests.emulators.discord_rest import RestRoutes

HEARTBEAT_MS = 2000
MESSAGE_CONTENT_INTENT = 1 << 15


@dataclass
class ApiCall:
    name: str  # e.g. "message.create"
    path: str
    args: dict  # the JSON body, with query parameters merged in
    status: int
    response: dict | list
    at: float  # time.monotonic() when answered


@dataclass
class Session:
    session_id: str
    intents: int
    seq: int = 0
    sent: list[tuple[int, str, dict]] = field(default_factory=list)  # (seq, event, data), for RESUME
    ws: web.WebSocketResponse | None = None
    resumable: bool = True


@dataclass
class Gateway:
    """What the gateway saw, for tests: every op received, per connection."""

    ops: list[tuple[int, int, dict | None]] = field(default_factory=list)  # (connection, op, d)
    connections: int = 0
    heartbeats: int = 0


@dataclass
class DiscordEmulator(RestRoutes, PayloadBuilders):
    token: str = "discord-test-token"
    app_id: str = "900000000000000001"
    bot_id: str = "900000000000000002"
    guild_id: str = "800000000000000001"
    calls: list[ApiCall] = field(default_factory=list)
    users: dict[str, dict] = field(default_factory=dict)
    members: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (guild, user) -> role ids
    guilds: dict[str, dict] = field(default_factory=dict)
    channels: dict[str, dict] = field(default_factory=dict)
    messages: dict[str, list[dict]] = field(default_factory=dict)  # channel id -> messages, oldest first
    interactions: dict[str, dict] = field(default_factory=dict)  # token -> {id, at, responded, callbacks}
    commands: list[dict] = field(default_factory=list)  # the application commands as last synced
    rate_limited: list[ApiCall] = field(default_factory=list)  # every 429 answered
    gateway: Gateway = field(default_factory=Gateway)

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._sessions: dict[str, Session] = {}
        self._current: Session | None = None
        self._invalidate_next_resume = False
        self._runner: web.AppRunner | None = None
        self._init_rest()
        self.port = 0
        self.add_user(self.bot_id, "Rejoinder", bot=True)
        self.add_guild(self.guild_id, "Home")
        self.add_member(self.guild_id, self.bot_id)

    # -- lifecycle -------------------------------------------------------

    async def start(self) -> "DiscordEmulator":
        app = web.Application()
        app.router.add_get("/gateway-ws", self._gateway_ws)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for session in self._sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-ws"

    def snowflake(self) -> str:
        return str(1_000_000_000_000_000_000 + next(self._ids))

    # -- waiting ---------------------------------------------------------

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, find, timeout: float = 5, what: str = "condition"):
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(find), timeout)
            except TimeoutError:
                seen = [f"{c.name}:{c.status}" for c in self.calls[-15:]]
                raise AssertionError(f"no {what} within {timeout} s; last calls: {seen}") from None

    async def wait_for_call(self, name: str, timeout: float = 5, predicate=None, count: int = 1) -> ApiCall:
        """The `count`-th recorded successful call `name` matching `predicate`."""
        def find():
            hits = [c for c in self.calls if c.name == name and c.status < 300 and (predicate is None or predicate(c))]
            return hits[count - 1] if len(hits) >= count else None
        return await self.wait_until(find, timeout, f"{name} call #{count}")

    def calls_of(self, name: str, ok: bool = True) -> list[ApiCall]:
        return [c for c in self.calls if c.name == name and (not ok or c.status < 300)]

    async def wait_for_op(self, op: int, count: int = 1, timeout: float = 10) -> dict | None:
        def find():
            hits = [d for _conn, o, d in self.gateway.ops if o == op]
            return (hits[count - 1] or {}) if len(hits) >= count else None
        return await self.wait_until(find, timeout, f"gateway op {op} #{count}")

    async def wait_connected(self, count: int = 1, timeout: float = 10) -> None:
        """The `count`-th connection has identified or resumed and is live."""
        await self.wait_until(lambda: self.gateway.connections >= count and self._current is not None
                              and self._current.ws is not None and not self._current.ws.closed
                              and any(c == count and o in (2, 6) for c, o, _d in self.gateway.ops),
                              timeout, f"gateway connection #{count}")

    # -- gateway ---------------------------------------------------------

    async def dispatch(self, event: str, data: dict) -> None:
        """Send an event to the bot's session; while it is disconnected the
        event waits in the session and is replayed on RESUME, as Discord does."""
        session = self._current
        if session is None:
            return
        session.seq += 1
        session.sent.append((session.seq, event, data))
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))

    async def disconnect(self, code: int = 4000) -> None:
        """Drop the live connection as a network failure would (resumable)."""
        session = self._current
        if session is not None and session.ws is not None:
            ws, session.ws = session.ws, None
            await ws.close(code=code)

    def invalidate_next_resume(self) -> None:
        self._invalidate_next_resume = True

    async def _gateway_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.gateway.connections += 1
        conn = self.gateway.connections
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, d = frame.get("op"), frame.get("d")
            self.gateway.ops.append((conn, op, d))
            if op == 1:
                self.gateway.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, d)
            elif op == 6:
                await self._resume(ws, d)
            await self.notify()
        await self.notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        if d.get("token") != self.token and d.get("token") != f"Bot {self.token}":
            await ws.close(code=4004)  # authentication failed
            return
        session = Session(session_id=uuid.uuid4().hex, intents=int(d.get("intents") or 0), ws=ws)
        self._sessions[session.session_id] = session
        self._current = session
        await self.dispatch("READY", {
            "v": 10, "user": self.users[self.bot_id], "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url, "guilds": [{"id": g, "unavailable": True} for g in self.guilds],
            "application": {"id": self.app_id, "flags": 0}, "private_channels": [], "relationships": [],
        })
        for guild_id in self.guilds:
            await self.dispatch("GUILD_CREATE", self.guild_payload(guild_id))

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> None:
        session = self._sessions.get(d.get("session_id"))
        if session is None or not session.resumable or self._invalidate_next_resume:
            self._invalidate_next_resume = False
            if session is not None:
                session.resumable = False
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        session.ws = ws
        self._current = session
        for seq, event, data in session.sent:
            if seq > int(d.get("seq") or 0):
                await ws.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": data}))
        session.seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}))

    def wants_content(self) -> bool:
        return bool(self._current and self._current.intents & MESSAGE_CONTENT_INTENT)

    def record(self, name: str, path: str, args: dict, status: int, response) -> ApiCall:
        call = ApiCall(name, path, args, status, response, time.monotonic())
        self.calls.append(call)
        if status == 429:
            self.rate_limited.append(call)
        return call


def point_discord_py_at(emu: DiscordEmulator):
    """discord.py has no base-URL option: aim its REST routes and gateway at
    the local Discord. Returns a function that puts them back."""
    import discord.http
    import yarl
    from discord.gateway import DiscordWebSocket

    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)

    def restore() -> None:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
    return restore
