"""Source leases: each configured source is read by one process at a time.

A lease is a row (name, holder, token, expires_at) kept alive by its holder.
When the holder dies the row expires and another process takes it with a
higher `token`. The token travels with every item the source publishes and
the pipeline saves a cursor only if its token is not lower than the stored
one, so a holder that was paused (GC, a frozen VM) and wakes up after losing
the lease can never move the cursor back. Times are the database's, so the
clocks of the machines do not matter.

On SQLite there is one process: every lease is granted at once, token 0."""
from __future__ import annotations

import logging

from sqlalchemy import text

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
