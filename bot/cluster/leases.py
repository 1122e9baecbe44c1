"""Source leases: each configured source is read by one process at a time.

A lease is a row (name, holder, token, expires_at) kept alive by its holder.
When the holder dies the row expires and another process takes it with a
higher `token`. The token travels with every item the source publishes and
the pipeline saves a cursor only if its token is not lower than the stored
one, so a holder that was paused (GC, a frozen VM) and wakes up after losing
the lease can never move the cursor back. Times are the database's, so the
clocks of the machines do not matter.

A held lease is renewed from a thread of its own, on its own connection:
a live process whose event loop is busy for a while (a big batch on a loaded
machine) must not lose its source to another process, which would read the
source again from the saved cursor and double the work of the cluster.

On SQLite there is one process: every lease is granted at once, token 0."""
from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cluster.identity import NODE_ID
from bot.store.db import Database

log = logging.getLogger(__name__)

_ACQUIRE = text("""
INSERT INTO leases (name, holder, token, expires_at)
VALUES (:name, :holder, 1, now() + make_interval(secs => :ttl))
ON CONFLICT (name) DO UPDATE
   SET token = CASE WHEN leases.holder = :holder THEN leases.token ELSE leases.token + 1 END,
       holder = :holder, expires_at = now() + make_interval(secs => :ttl)
 WHERE leases.holder = :holder OR leases.expires_at < now()
RETURNING token""")
_RENEW = text("""
UPDATE leases SET expires_at = now() + make_interval(secs => :ttl)
 WHERE name = :name AND holder = :holder AND token = :token
RETURNING token""")
# Released by expiring it now: the token stays, so the next holder's is higher.
_RELEASE = text("UPDATE leases SET expires_at = now() - interval '1 second' "
                "WHERE name = :name AND holder = :holder AND token = :token")


class Leases:
    def __init__(self, db: Database, holder: str = NODE_ID, ttl: float = 10.0) -> None:
        """`ttl`: how long a lease outlives its holder's last renewal; a dead
        holder's source is taken over after at most `ttl` plus one poll."""
        self.db, self.holder, self.ttl = db, holder, ttl
        self.shared = db.engine.dialect.name == "postgresql"
        self._held: dict[str, tuple[int, asyncio.Event, asyncio.AbstractEventLoop]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def keep(self, name: str, token: int) -> asyncio.Event:
        """Renew `name` from the keeper thread until `drop`; the event is set
        if the lease is lost (taken over, or the database cannot say)."""
        lost = asyncio.Event()
        if not self.shared:
            return lost
        with self._lock:
            self._held[name] = (token, lost, asyncio.get_running_loop())
            if self._thread is None:
                self._closed.clear()
                self._thread = threading.Thread(target=asyncio.run, args=(self._keep_all(),),
                                                name="lease-keeper", daemon=True)
                self._thread.start()
        return lost

    def drop(self, name: str) -> None:
        with self._lock:
            self._held.pop(name, None)

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    async def _keep_all(self) -> None:
        engine = create_async_engine(self.db.url, pool_size=1, max_overflow=0)
        try:
            while not self._closed.is_set():
                with self._lock:
                    held = list(self._held.items())
                for name, (token, lost, loop) in held:
                    try:
                        async with engine.begin() as conn:
                            row = (await conn.execute(_RENEW, {"name": name, "holder": self.holder, "ttl": self.ttl,
                                                               "token": token})).first()
                    except Exception as exc:  # noqa: BLE001 - cannot tell: another process may take it
                        log.warning("lease %s: cannot renew it (%s)", name, exc)
                        row = None
                    if row is None:
                        with self._lock:
                            if self._held.get(name, (None,))[0] == token:
                                del self._held[name]
                        try:
                            loop.call_soon_threadsafe(lost.set)
                        except RuntimeError:  # that loop is closed: the process is stopping
                            pass
                for _ in range(max(1, int(self.ttl / 3 / 0.05))):  # in short steps: `close` is not kept waiting
                    if self._closed.is_set():
                        break
                    await asyncio.sleep(0.05)
        finally:
            await engine.dispose()

    async def acquire(self, name: str) -> int | None:
        """The fencing token if this process holds `name` now, else None."""
        if not self.shared:
            return 0
        return await self._one(_ACQUIRE, name)

    async def renew(self, name: str, token: int) -> bool:
        """False when the lease was lost (expired and taken over): stop the work."""
        if not self.shared:
            return True
        return await self._one(_RENEW, name, token=token) is not None

    async def release(self, name: str, token: int) -> None:
        if self.shared:
            async with self.db.transaction() as s:
                await s.execute(_RELEASE, {"name": name, "holder": self.holder, "token": token})

    async def _one(self, stmt, name: str, **extra) -> int | None:
        async with self.db.transaction() as s:
            row = (await s.execute(stmt, {"name": name, "holder": self.holder, "ttl": self.ttl, **extra})).first()
        return row[0] if row else None
