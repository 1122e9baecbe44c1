"""Shared plumbing for sources built on blocking (requests-based) client
libraries: a stream read in a daemon thread and bridged into asyncio, the
ordering of post ids, and a bounded memory of ids already delivered."""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECTED, EVENT, ENDED = "connected", "event", "ended"


@dataclass(frozen=True)
class StreamEvent:
    stream: str  # which stream sent it
    kind: str  # CONNECTED, EVENT or ENDED
    payload: Any = None  # the event; for ENDED the exception, or None on a clean close


class ThreadedStream:
    """Runs `run(stream)` in a daemon thread; `run` blocks while the connection
    lives and calls `stream.connected()` / `stream.emit(event)` from the thread.

    Events reach the asyncio queue in order. A full queue makes the thread
    wait, which slows the reader down instead of growing memory. `stop()`
    calls `interrupt` (which must wake a blocked read, e.g. shut the socket)
    and drops anything the thread still produces.
    """

    def __init__(self, key: str, queue: asyncio.Queue, run: Callable[[ThreadedStream], None],
                 interrupt: Callable[[], None] = lambda: None) -> None:
        self.key, self._queue, self._run, self._interrupt = key, queue, run, interrupt
        self._loop = asyncio.get_running_loop()
        self.stopping = False
        self.thread = threading.Thread(target=self._main, name=f"stream:{key}", daemon=True)

    def start(self) -> ThreadedStream:
        self.thread.start()
        return self

    def connected(self) -> None:
        self._post(StreamEvent(self.key, CONNECTED))

    def emit(self, payload: Any) -> None:
        self._post(StreamEvent(self.key, EVENT, payload))

    def stop(self) -> None:
        self.stopping = True
        try:
            self._interrupt()
        except Exception as exc:  # noqa: BLE001 - the connection may be half gone already
            log.debug("stream %s: interrupting raised %r", self.key, exc)

    def _main(self) -> None:
        error: BaseException | None = None
        try:
            self._run(self)
        except BaseException as exc:  # noqa: BLE001 - reported to the event loop, never lost
            error = exc
        self._post(StreamEvent(self.key, ENDED, error))

    def _post(self, event: StreamEvent) -> None:
        while not self.stopping:
            try:
                future = asyncio.run_coroutine_threadsafe(self._queue.put(event), self._loop)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return
            try:
                future.result(timeout=1.0)
                return
            except concurrent.futures.TimeoutError:
                if future.cancel():
                    continue  # still full; look at `stopping` again
                return
            except (concurrent.futures.CancelledError, RuntimeError):
                return


def id_order(value: str) -> tuple[int, str]:
    """Sort key for post ids: numeric ids (Mastodon, X) compare as numbers, and
    fixed-length sortable ids (some Mastodon-compatible servers) as text."""
    return len(value), value


def newest(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if id_order(a) >= id_order(b) else b


class RecentIds:
    """The last `size` ids seen, to drop a post two feeds both deliver."""

    def __init__(self, size: int = 5000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, value: str) -> bool:
        """True when `value` is new."""
        if value in self._ids:
            self._ids.move_to_end(value)
            return False
        self._ids[value] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, value: str) -> bool:
        return value in self._ids

    def latest(self, count: int) -> list[str]:
        return list(self._ids)[-count:]


async def keep_trying(what: str, attempt: Callable[[], Awaitable[T]],
                     transient: tuple[type[BaseException], ...], first: float = 1.0, cap: float = 60.0) -> T:
    """`await attempt()` until it stops failing with a `transient` error (a
    network outage at start-up must not end a long-running source)."""
    backoff = Backoff(first, cap)
    while True:
        try:
            return await attempt()
        except transient as exc:
            delay = backoff.next()
            log.warning("%s failed (%r); trying again in %.0f s", what, exc, delay)
            await asyncio.sleep(delay)


class Backoff:
    """Seconds to wait before reconnecting a stream: doubles per failure, resets
    once a connection worked."""

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self.first, self.cap, self._next = first, cap, first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


class BadPayload(ValueError):
    """A network payload that cannot become a mention; the message says where and why."""


def describe(error: Exception) -> str:
    """`author.handle: String should have at least 1 character; ...` for a pydantic error."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(post)'}: {e['msg']}" for e in errors())
