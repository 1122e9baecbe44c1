"""What runs where, for `rejoinder status` (and any exporter of figures):
processes and their heartbeats, source leases, the stream's consumer
groups, outbox depth and age per kind, dead letters."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.clock import Clock, aware
from bot.cluster.heartbeat import EVERY
from bot.store import tables as t
from bot.store.db import Database

OPEN = ("pending", "uncertain", "sending")


async def collect(db: Database, clock: Clock, bus=None, topic: str = "mentions") -> dict:
    """Plain data (dicts and lists) describing the deployment now."""
    now = clock.now()
    out: dict = {"at": now.isoformat()}
    async with db.sessions() as s:
        out["processes"] = [
            {"id": p.id, "host": p.host, "pid": p.pid, "roles": p.roles, "started_at": aware(p.started_at).isoformat(),
             "seen_s_ago": round((now - aware(p.seen_at)).total_seconds(), 1),
             "alive": now - aware(p.seen_at) < timedelta(seconds=3 * EVERY)}
            for p in (await s.execute(select(t.Process).order_by(t.Process.started_at))).scalars()]
        out["leases"] = [
            {"name": lease.name, "holder": lease.holder, "token": lease.token,
             "expires_in_s": round((aware(lease.expires_at) - now).total_seconds(), 1)}
            for lease in (await s.execute(select(t.Lease).order_by(t.Lease.name))).scalars()]
        rows = await s.execute(select(t.Outbox.kind, t.Outbox.status, func.count(), func.min(t.Outbox.created_at))
                               .where(t.Outbox.status.in_(OPEN)).group_by(t.Outbox.kind, t.Outbox.status))
        outbox: dict[str, dict] = {}
        for kind, status, count, oldest in rows:
            entry = outbox.setdefault(kind, {"depth": 0, "oldest_age_s": 0.0})
            entry[status] = count
            entry["depth"] += count
            entry["oldest_age_s"] = max(entry["oldest_age_s"], round((now - aware(oldest)).total_seconds(), 1))
        out["outbox"] = outbox
        waiting = t.DeadLetter.replayed_at.is_(None)
        out["dead_letters"] = {
            "waiting": (await s.execute(select(func.count()).where(waiting))).scalar_one(),
            "latest": [{"id": d.id, "source": d.source, "reason": d.reason, "at": aware(d.at).isoformat()}
                       for d in (await s.execute(select(t.DeadLetter).where(waiting)
                                                 .order_by(t.DeadLetter.id.desc()).limit(10))).scalars()],
        }
    info = getattr(bus, "info", None)
    out["stream"] = await info(topic) if info is not None else None
    return out


async def replay_dead_letters(db: Database, clock: Clock, consumer, only: int | None = None) -> list[tuple[int, str | None]]:
    """Try each waiting dead letter (or only `only`) again: (id, None when
    stored now, else why not). The saved cursor is left alone: it moved past
    the item when it was set aside."""
    async with db.sessions() as s:
        stmt = select(t.DeadLetter).where(t.DeadLetter.replayed_at.is_(None)).order_by(t.DeadLetter.id)
        if only is not None:
            stmt = select(t.DeadLetter).where(t.DeadLetter.id == only)
        letters = list((await s.execute(stmt)).scalars())
    results = []
    for letter in letters:
        payload = json.loads(letter.payload)
        payload.pop("cursor", None)
        error = await consumer.try_store([payload])
        async with db.transaction() as s:
            values = {"replayed_at": clock.now()} if error is None else {"reason": error}
            await s.execute(update(t.DeadLetter).where(t.DeadLetter.id == letter.id).values(**values))
        results.append((letter.id, error))
    return results
