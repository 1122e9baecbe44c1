"""What the app reports about itself: counters recorded where the composition
root hands work on (ingest, publishing, guardrails, drafting), gauges read
from the database and the bus when scraped, and readiness. `snapshot()` is
what `rejoinder status` and /metrics both read."""
from __future__ import annotations

import functools
import time
from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from bot import metrics
from bot.clock import aware
from bot.publishing.outbox import PermanentFailure
from bot.store import tables as t
from bot.store.db import Database, alembic_config

if TYPE_CHECKING:
    from bot.app.root import App

KEPT = ("opened", "joined")


def instrument(app: App) -> None:
    """Count what passes the app's seams. The wrapped calls still do the work."""
    pipeline = app.core.pipeline
    ingest = pipeline.ingest

    @functools.wraps(ingest)
    async def counted_ingest(mentions, *args, **kwargs):
        results = await ingest(mentions, *args, **kwargs)
        # Counted per network and batch: one call per mention costs more than storing it.
        for network, n in Counter(m.network for m in mentions).items():
            metrics.inc(metrics.MENTIONS_IN, n, network=network)
        kept = Counter(r.key.partition(":")[0] for r in results if r.outcome in KEPT)
        for network, n in kept.items():
            metrics.inc(metrics.MENTIONS_KEPT, n, network=network)
        return results
    pipeline.ingest = counted_ingest

    worker = app.publish_worker
    for kind, handler in list(worker.handlers.items()):
        worker.handlers[kind] = _counted_publish(handler)

    guardrails = app.core.guardrails
    check = guardrails.check

    @functools.wraps(check)
    def counted_check(*args, **kwargs):
        findings = check(*args, **kwargs)
        for finding in findings:
            if finding.severity == "block":
                metrics.inc(metrics.GUARDRAIL_BLOCKS, rule=finding.rule)
        return findings
    guardrails.check = counted_check

    drafts = app.core.drafts
    if drafts.drafter is not drafts.fallback:  # the template library is not a model
        drafts.drafter = _Timed(drafts.drafter)


def _counted_publish(handler):
    @functools.wraps(handler)
    async def counted(row, uncertain):
        try:
            result = await handler(row, uncertain)
        except PermanentFailure:
            metrics.inc(metrics.PUBLISH_RESULTS, result="failed")
            raise
        except Exception:
            metrics.inc(metrics.PUBLISH_RESULTS, result="error")  # retried by the outbox
            raise
        metrics.inc(metrics.PUBLISH_RESULTS, result="sent")
        return result
    return counted


class _Timed:
    """A drafter whose calls are timed; everything else passes through."""

    def __init__(self, drafter) -> None:
        self._drafter = drafter

    def __getattr__(self, name):
        return getattr(self._drafter, name)

    async def draft(self, request):
        started, outcome = time.perf_counter(), "error"
        try:
            result = await self._drafter.draft(request)
            outcome = "ok"
            return result
        finally:
            metrics.observe(metrics.LLM_LATENCY, time.perf_counter() - started, drafter=self._drafter.name,
                            outcome=outcome)


async def snapshot(db: Database, bus=None, topic: str = "mentions") -> dict:
    """Outbox depth and oldest age per kind, chat input waiting, stream lag."""
    now = datetime.now(timezone.utc)
    async with db.sessions() as s:
        rows = (await s.execute(select(t.Outbox.kind, func.count(t.Outbox.id), func.min(t.Outbox.created_at))
                                .where(t.Outbox.status.in_(("pending", "sending"))).group_by(t.Outbox.kind))).all()
        waiting = await s.scalar(select(func.count(t.ChatInbox.id))
                                 .where(t.ChatInbox.status.in_(("pending", "handling"))))
    lag = await stream_lag(bus, topic) if bus is not None else None
    return {
        "outbox": {kind: {"depth": depth, "oldest_age_s": max(0.0, (now - aware(oldest)).total_seconds())}
                   for kind, depth, oldest in rows},
        "chat_inbox_waiting": waiting or 0,
        "stream_lag": lag,
    }


async def refresh(app: App) -> dict:
    """Set the gauges from a fresh snapshot (called on each scrape)."""
    shot = await snapshot(app.db, app.bus)
    metrics.clear(metrics.OUTBOX_DEPTH)
    metrics.clear(metrics.OUTBOX_AGE)
    for kind, figures in shot["outbox"].items():
        metrics.set_gauge(metrics.OUTBOX_DEPTH, figures["depth"], kind=kind)
        metrics.set_gauge(metrics.OUTBOX_AGE, figures["oldest_age_s"], kind=kind)
    metrics.set_gauge(metrics.CHAT_INBOX, shot["chat_inbox_waiting"])
    if shot["stream_lag"] is not None:
        metrics.set_gauge(metrics.STREAM_LAG, shot["stream_lag"], topic="mentions")
    return shot


async def stream_lag(bus, topic: str) -> int | None:
    """Entries the pipeline's group has not handled yet (Redis: the group's lag
    plus its pending entries; in process: the queue), or None if unknown."""
    client = getattr(bus, "client", None)
    if client is not None and hasattr(bus, "_stream"):
        try:
            groups = await client.xinfo_groups(bus._stream(topic))
        except Exception:  # noqa: BLE001 - no stream yet, or Redis away: readiness says which
            return None
        return sum(int(g.get("lag") or 0) + int(g.get("pending") or 0) for g in groups)
    queues = getattr(bus, "_groups", {}).get(topic, {})
    return sum(q.qsize() for q in queues.values()) if queues else 0


async def readiness(app: App) -> dict[str, str]:
    """database reachable and migrated to head; bus reachable."""
    checks: dict[str, str] = {}
    try:
        async with app.db.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        checks["database"] = "ok"
        checks["migrations"] = "ok" if set(version) == heads else f"at {sorted(version)}, expected {sorted(heads)}"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"unreachable: {type(exc).__name__}"
    client = getattr(app.bus, "client", None)
    try:
        if client is not None:
            await client.ping()
        checks["bus"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["bus"] = f"unreachable: {type(exc).__name__}"
    return checks
