"""Bus → pipeline: what `rejoinder run` does with each batch of deliveries.

A batch is stored in one go. When that fails:
- the database is unreachable: wait and try the same batch again (nothing is
  acknowledged, nothing is lost);
- another process wrote the same rows at the same moment (a duplicate key, a
  deadlock): try again, the second try sees their rows;
- anything else is a problem with the data: the batch is split in halves
  until the item that cannot be stored is alone. It goes to the dead-letter
  table with its reason (`rejoinder deadletters replay` tries it again) and
  the rest of the batch is stored. The process never crash-loops on a post."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from pydantic import TypeAdapter
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.intake.pipeline import Pipeline, save_cursor
from bot.store import tables as t
from bot.store.db import Database
from bot.types import Mention

log = logging.getLogger(__name__)
CONFLICT_TRIES = 4


def is_outage(exc: BaseException) -> bool:
    """The database or the network is down, not the data wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (InterfaceError, ConnectionError, TimeoutError)) or (
        isinstance(exc, OperationalError) and "locked" not in str(exc))


def is_conflict(exc: BaseException) -> bool:
    """Another writer got there first: trying again resolves it."""
    name = type(getattr(exc, "orig", exc)).__name__ + str(exc)[:200]
    return isinstance(exc, IntegrityError) or any(w in name for w in ("Deadlock", "Serialization", "locked"))


class Consumer:
    def __init__(self, db: Database, pipeline: Pipeline, clock: Clock,
                 on_stored: Callable[[], None] = lambda: None) -> None:
        self.db, self.pipeline, self.clock, self.on_stored = db, pipeline, clock, on_stored
        self.outage_wait = 1.0
        # Runs once a batch is stored (LLM triage of the cases it opened); its
        # failure never sends a stored post to the dead letters.
        self.after_ingest: Callable[[list, list[Mention]], Awaitable[None]] | None = None
        self._stored: list[tuple[list, list[Mention]]] = []

    async def handle(self, payloads: list[dict]) -> None:
        """Store a batch of bus payloads; returns once every one is stored or dead-lettered."""
        while True:
            try:
                self._stored = []
                await self._split(payloads)
                await self._after()
                return
            except Exception as exc:  # noqa: BLE001 - only outages get here
                log.warning("database unavailable, retrying the batch in %.0f s: %s", self.outage_wait, exc)
                await asyncio.sleep(self.outage_wait)
                self.outage_wait = min(self.outage_wait * 2, 30.0)

    async def _after(self) -> None:
        if self.after_ingest is None:
            return
        for results, mentions in self._stored:
            try:
                await self.after_ingest(results, mentions)
            except Exception:  # noqa: BLE001 - the posts are stored; a failed extra step is only logged
                log.exception("the step after storing a batch failed")

    async def _split(self, payloads: list[dict]) -> None:
        error = await self._try(payloads)
        if error is None:
            self.outage_wait = 1.0
            return
        if len(payloads) == 1:
            await self.dead_letter(payloads[0], error)
            return
        half = len(payloads) // 2
        await self._split(payloads[:half])
        await self._split(payloads[half:])

    async def try_store(self, payloads: list[dict]) -> str | None:
        """Store `payloads` as one batch: None once stored, else why they cannot be."""
        try:
            return await self._try(payloads)
        except Exception as exc:  # noqa: BLE001 - an outage, said in words
            return describe(exc)

    async def _try(self, payloads: list[dict]) -> str | None:
        """None once stored; else why the data cannot be stored. Outages raise."""
        for attempt in range(CONFLICT_TRIES):
            try:
                await self.store(payloads)
                return None
            except Exception as exc:  # noqa: BLE001 - sorted below
                if is_outage(exc):
                    raise
                if is_conflict(exc) and attempt + 1 < CONFLICT_TRIES:
                    continue
                return describe(exc)
        return "conflicting writes"  # pragma: no cover - the loop returns

    async def store(self, payloads: list[dict]) -> None:
        mentions, edited, deleted, cursors = [], [], [], {}
        parsed = iter(parse_mentions(payloads))
        for p in payloads:
            if p.get("mention"):
                (edited if p.get("edited") else mentions).append(next(parsed))
            if p.get("deleted_id"):
                deleted.append((p["network"], p["deleted_id"]))
            if p.get("cursor") is not None:
                # The latest of each source wins (a batch may mix entries claimed from a dead
                # process with new ones); the token fences a holder that lost the source.
                token, seq = fence_of(p)
                old = cursors.get(p["source"])
                if old is None or (token, -1 if seq is None else seq) >= (old[1], -1 if old[2] is None else old[2]):
                    cursors[p["source"]] = (p["cursor"], token, seq)
        # Edits after the batch, like deletions: a post made and edited in it is stored first.
        # The cursors go with the edits then, so a crash in between loses no edit.
        results = await self.pipeline.ingest(mentions, cursors=None if edited else cursors)
        self._stored.append((results, mentions))
        if edited:
            await self.pipeline.apply_edits(edited, cursors)
        for network, external_id in deleted:  # after the batch: a post made and deleted in it stays deleted
            await self.pipeline.mark_deleted(network, external_id)

    async def dead_letter(self, payload: dict, reason: str) -> None:
        """Keep the item with its reason; its cursor moves on with it, so the
        source does not deliver it again at the next start."""
        log.error("could not store an item from %s, kept as a dead letter: %s", payload.get("source"), reason)
        async with self.db.transaction() as s:
            await add_dead_letter(s, payload, reason, self.clock)
            if payload.get("cursor") is not None and payload.get("source"):
                await save_cursor(s, payload["source"], payload["cursor"], self.clock, *fence_of(payload))


def fence_of(payload: dict) -> tuple[int, int | None]:
    """(fencing token, order within it) of a bus payload; items from before
    the order was sent have none."""
    seq = payload.get("seq")
    return int(payload.get("token") or 0), (int(seq) if seq is not None else None)


async def add_dead_letter(s: AsyncSession, payload: dict, reason: str, clock: Clock) -> None:
    # ASCII JSON: a NUL byte or a lone surrogate is escaped, so any database takes it.
    body = json.dumps(payload, ensure_ascii=True, default=str)
    s.add(t.DeadLetter(source=str(payload.get("source") or "")[:100] or None, payload=body,
                       reason=reason.replace("\x00", "\\0")[:2000], at=clock.now()))


def parse_mentions(payloads: list[dict]) -> list[Mention]:
    """The mentions of a batch's payloads, in order. As JSON text they are
    parsed in one call to pydantic-core for the whole batch; a batch with a
    bad one is parsed one by one, so that one raises (and is dead-lettered)."""
    found = [p["mention"] for p in payloads if p.get("mention")]
    if found and all(isinstance(m, str) for m in found):
        try:
            many = _MENTIONS.validate_json("[" + ",".join(found) + "]")
            if len(many) == len(found):  # else a text held more than one object: parse them one by one
                return many
        except ValueError:
            pass
    return [Mention.model_validate_json(m) if isinstance(m, str) else Mention.model_validate(m) for m in found]


_MENTIONS = TypeAdapter(list[Mention])


def describe(exc: BaseException) -> str:
    """One line for people: the database's own message without the SQL."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).splitlines()[0] if str(orig or exc) else ""
    return f"{type(orig or exc).__name__}: {text}"[:500]
