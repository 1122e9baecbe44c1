"""What the local social-network servers share: an aiohttp app on 127.0.0.1
(port 0), a log of every call, scripted failures, waiting on conditions and
long-lived streams that can be cut like a broken connection."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Call:
    method: str
    path: str
    query: dict
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    times: int
    status: int
    reset_in: float  # for a 429: seconds until the rate limit resets
    after_commit: bool  # do the work, then answer with the failure (the answer is "lost")


@dataclass(eq=False)
class Stream:
    """One open streaming connection; the server writes what is queued."""

    query: dict
    account_id: str | None = None
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False


class ScriptedServer:
    heartbeat: float = 15.0
    keep_alive = b"\n"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.streams: list[Stream] = []
        self.streaming_enabled = True
        self._failures: dict[str, list[Failure]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    async def start(self):
        app = web.Application()
        self.add_routes(app.router)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for stream in self.streams:
            stream.closed = True
            stream.queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripted trouble ------------------------------------------------

    def fail_next(self, route: str, times: int = 1, status: int = 429, reset_in: float = 1.0,
                  after_commit: bool = False) -> None:
        """The next `times` requests to `route` (e.g. "POST /api/v1/statuses") fail
        with `status`; a 429 says the limit resets `reset_in` seconds from now."""
        self._failures.setdefault(route, []).append(Failure(times, status, reset_in, after_commit))

    def clear_failures(self) -> None:
        self._failures.clear()

    def _failure(self, route: str) -> Failure | None:
        for failure in self._failures.get(route, []):
            if failure.times > 0:
                failure.times -= 1
                return failure
        return None

    def drop_streams(self) -> int:
        """Cut every open stream as a broken connection would; returns how many."""
        live = self.live_streams()
        for stream in live:
            stream.closed = True
            stream.queue.put_nowait("drop")
        return len(live)

    async def push_raw(self, text: str) -> None:
        """Write raw text on every open stream (e.g. a malformed event)."""
        for stream in self.live_streams():
            stream.queue.put_nowait(text)

    # -- waiting ---------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, find, timeout: float = 5.0, what: str = "condition"):
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(find), timeout)
            except TimeoutError:
                seen = [f"{c.method} {c.path} {c.status}" for c in self.calls[-12:]]
                raise AssertionError(f"no {what} within {timeout} s; last calls: {seen}") from None

    def live_streams(self) -> list[Stream]:
        return [s for s in self.streams if not s.closed]

    async def wait_for_streams(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_until(lambda: len(self.live_streams()) >= count, timeout, f"{count} open streams")

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    async def _log(self, request: web.Request, status: int) -> None:
        self.calls.append(Call(request.method, request.path, dict(request.query), status))
        await self._notify()

    # -- streaming -------------------------------------------------------

    async def _serve_stream(self, request: web.Request, stream: Stream, content_type: str,
                            greeting: bytes = b"") -> web.StreamResponse:
        """Hold the connection open, writing what the stream's queue gets and a
        keep-alive every `heartbeat` seconds."""
        response = web.StreamResponse(headers={"Content-Type": content_type, "Cache-Control": "no-store"})
        await response.prepare(request)
        if greeting:
            await response.write(greeting)
        self.streams.append(stream)
        await self._log(request, 200)
        try:
            while True:
                try:
                    item = await asyncio.wait_for(stream.queue.get(), self.heartbeat)
                except TimeoutError:
                    item = self.keep_alive
                if item is None:
                    break
                if item == "drop":
                    request.transport.abort()  # no end-of-stream chunk: a broken connection
                    break
                await response.write(item if isinstance(item, bytes) else item.encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            stream.closed = True
            await self._notify()
        return response
