"""A signed webhook: listening tools (Brandwatch, Talkwalker, Zapier, scrapers)
POST mentions here. The schema and the signing are in docs/webhook.md.

A 202 means the mentions are durably queued. With a store (what `rejoinder
run` gives it: the database's arrivals, see bot/intake/arrivals.py) the answer
waits until they are written there, and `items()` reads them back from the
cursor, so a restart right after a 202 loses nothing. Without one (tools and
tests) it waits until `items()`'s consumer has taken the last mention of the
request. A sender that gets anything else retries; duplicates are harmless
because the pipeline dedupes by (network, external_id). The secret and the
signatures are never logged.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import re
import socket
import time
from contextlib import aclosing
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.ports import SourceCheckFailed, SourceItem
from bot.types import NETWORK_PATTERN, Mention
from integrations.social.webhook.payload import (
    SIGNATURE_HEADER, TIMESTAMP_HEADER, PayloadError, check_signature, read_mentions,
)

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    mentions: list[Mention]
    taken: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Store(Protocol):
    """Where accepted mentions wait durably (bot.intake.arrivals.Arrivals)."""

    def put(self, payloads: list[dict]) -> Awaitable[None]: ...

    def follow(self, cursor: str | None) -> AsyncIterator[tuple[int, dict]]: ...


def _error(status: int, message: str, **extra) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


class WebhookSource:
    def __init__(self, name: str, secret: str, *, network: str = "webhook", host: str = "127.0.0.1", port: int = 0,
                 path: str = "/hooks/mentions", max_bytes: int = 256 * 1024, tolerance_s: float = 300,
                 max_pending: int = 1000, hand_over_timeout: float = 10.0,
                 clock: Callable[[], float] = time.time, store: Store | None = None) -> None:
        if not secret:
            raise ValueError(f"webhook source {name!r}: the signing secret is empty")
        if not re.fullmatch(NETWORK_PATTERN, network):
            raise ValueError(f"webhook source {name!r}: network {network!r} must be lower-case letters, digits, - or _")
        if not path.startswith("/"):
            raise ValueError(f"webhook source {name!r}: path {path!r} must start with '/'")
        self.name, self.network = name, network
        self._secret = secret
        self.host, self.port, self.path = host, port, path
        self.max_bytes, self.tolerance_s = max_bytes, tolerance_s
        self.max_pending, self.hand_over_timeout = max_pending, hand_over_timeout
        self.clock, self.store = clock, store
        self.started = asyncio.Event()
        self._queue: asyncio.Queue[_Batch] = asyncio.Queue()
        self._pending = 0  # mentions received and not yet taken by the consumer
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:  # keeps the secret out of any log line or traceback
        return f"WebhookSource(name={self.name!r}, network={self.network!r}, port={self.port})"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.started.set()
        log.info("webhook %s: listening on %s", self.name, self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.started.clear()

    async def check(self) -> str:
        """The signing secret is set and the address can be listened on (bound, then released)."""
        if not self._secret:
            raise SourceCheckFailed("the signing secret is empty: set it to the secret the sender signs with",
                                    ("secret",))
        if self._runner is not None:
            return f"listening on {self.url}; signing secret set"
        try:
            await asyncio.to_thread(_bind_and_release, self.host, self.port)
        except OSError as exc:
            raise SourceCheckFailed(f"cannot listen on {self.host} port {self.port}: {_bind_problem(exc)}; "
                                    "change host or port in rejoinder.yaml") from None
        where = self.url if self.port else f"{self.host} (a free port is picked at start)"
        return f"can listen on {where}; signing secret set"

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        """Starts the server if needed; the cursor is unused (senders retry instead)."""
        owned = self._runner is None
        await self.start()
        try:
            if self.store is not None:
                async with aclosing(self.store.follow(cursor)) as rows:
                    async for row_id, payload in rows:
                        yield SourceItem(Mention.model_validate(payload), str(row_id))
                return
            while True:
                batch = await self._queue.get()
                self._pending -= len(batch.mentions)
                for mention in batch.mentions:
                    yield SourceItem(mention, None)
                # Resumed after the last yield: the consumer has handed every mention on.
                if not batch.taken.done():
                    batch.taken.set_result(None)
        finally:
            if owned:
                await self.stop()

    async def _receive(self, request: web.Request) -> web.Response:
        declared = request.content_length
        if declared is not None and declared > self.max_bytes:
            return _error(413, f"body is larger than {self.max_bytes} bytes")
        body = await self._read(request)
        if body is None:
            return _error(413, f"body is larger than {self.max_bytes} bytes")
        problem = check_signature(self._secret, request.headers.get(TIMESTAMP_HEADER),
                                  request.headers.get(SIGNATURE_HEADER), body, self.clock(), self.tolerance_s)
        if problem is not None:
            log.warning("webhook %s: rejected a request from %s: %s", self.name, request.remote, problem)
            return _error(401, problem)
        try:
            mentions = read_mentions(body, self.network)
        except PayloadError as exc:
            return web.json_response(exc.as_json(), status=422)
        if not mentions:
            return web.json_response({"accepted": 0}, status=202)
        if self.store is not None:
            try:
                await self.store.put([m.model_dump(mode="json") for m in mentions])
            except Exception:
                log.exception("webhook %s: could not store %d mentions", self.name, len(mentions))
                return _error(503, "mentions could not be stored; retry later", retry_after_s=5)
            return web.json_response({"accepted": len(mentions)}, status=202)
        if self._pending + len(mentions) > self.max_pending:
            return _error(503, "too many mentions waiting; retry later", retry_after_s=5)
        batch = _Batch(mentions)
        self._pending += len(mentions)
        self._queue.put_nowait(batch)
        try:
            await asyncio.wait_for(asyncio.shield(batch.taken), self.hand_over_timeout)
        except TimeoutError:
            # Still queued and will be yielded: the retry this asks for may duplicate, which is harmless.
            return _error(503, "mentions were queued but not yet stored; retry later", retry_after_s=5)
        return web.json_response({"accepted": len(mentions)}, status=202)

    async def _read(self, request: web.Request) -> bytes | None:
        """The body, or None once it grows past `max_bytes` (a chunked body has no length)."""
        body = bytearray()
        while True:
            chunk = await request.content.read(64 * 1024)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > self.max_bytes:
                return None


def _bind_and_release(host: str, port: int) -> None:
    """Bind every address the server would (as aiohttp does, with SO_REUSEADDR), then let go."""
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                              flags=socket.AI_PASSIVE):
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)


def _bind_problem(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    return {errno.EADDRINUSE: "another program is listening there (is rejoinder already running?)",
            errno.EACCES: "permission denied (ports below 1024 need special rights)",
            errno.EADDRNOTAVAIL: "that is not an address of this machine"}.get(exc.errno, exc.strerror or str(exc))
