"""Mentions in, cases out: normalize → dedupe → route (enrichment is lazy
until a route needs it) → enrich the matches → persist → open or join a case.

Works on batches so a burst costs a handful of queries, not one per mention."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.case_batch import Item
from bot.cases import CaseService
from bot.clock import Clock
from bot.customers import CustomerDirectory, clean_handle
from bot.enrich import Facts
from bot.normalize import normalize
from bot.routing import Router
from bot.store import tables as t
from bot.store.db import Database
from bot.types import Mention, RouteMatch, Signals


CUSTOMER = frozenset({"customer"})
NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ingested:
    key: str
    outcome: str  # opened | joined | dropped | duplicate | own
    case_id: int | None = None
    match: RouteMatch | None = None


class Pipeline:
    def __init__(self, db: Database, clock: Clock, router: Router, cases: CaseService,
                 directory: CustomerDirectory, brand_handles: dict[str, str]) -> None:
        self.db, self.clock, self.router, self.cases, self.directory = db, clock, router, cases, directory
        self.brand_handles = brand_handles

    async def ingest(self, batch: list[Mention], cursor: tuple[str, str] | None = None) -> list[Ingested]:
        """Store what matters from `batch`; `cursor` = (source, value) is saved in
        the same transaction, so a restart resumes with nothing lost or doubled."""
        results: dict[str, Ingested] = {}
        fresh: list[Mention] = []
        for raw in batch:
            key = f"{raw.network}:{raw.external_id}"
            if key in results:
                continue
            results[key] = Ingested(key, "duplicate")  # replaced below unless it is one
            fresh.append(raw)
        async with self.db.transaction() as s:
            # One query for the batch, so routes can use the `customer` flag.
            customers = await self.directory.resolve_many(s, {(m.network, m.author.handle) for m in fresh})
            routed: list[tuple[Mention, RouteMatch | None, Facts]] = []
            for raw in fresh:
                key = f"{raw.network}:{raw.external_id}"
                known_customer = (raw.network, clean_handle(raw.author.handle)) in customers
                facts = Facts(raw, normalize(raw.text), self.brand_handles,
                              extra_flags=CUSTOMER if known_customer else NONE)
                if facts.from_brand:  # our own posts, e.g. our replies seen on a stream
                    results[key] = Ingested(key, "own")
                    continue
                routed.append((raw, self.router.route(raw, facts.text, facts), facts))
            ordered = [r for r in routed if r[1] is not None or r[0].in_reply_to]
            known = await self._known(s, [m for m, _, _ in ordered])
            threads = await self._open_conversations(s, [m for m, match, _ in ordered if match is None])
            keep = []
            for mention, match, facts in routed:
                key = f"{mention.network}:{mention.external_id}"
                if key in known:
                    results[key] = Ingested(key, "duplicate")
                elif match is None and mention.conversation_key not in threads:
                    results[key] = Ingested(key, "dropped")
                else:
                    keep.append((mention, match or threads[mention.conversation_key], facts))
            authors = await self._authors(s, [m for m, _, _ in keep], customers)
            items = [self._item(m, facts.text, match, signals_of(facts), authors, customers) for m, match, facts in keep]
            if items:
                await self.cases.attach_batch(s, items)
            if cursor is not None:
                await save_cursor(s, cursor[0], cursor[1], self.clock)
        for item in items:
            results[item.key] = Ingested(item.key, "opened" if item.created else "joined", item.case_id, item.match)
        answered: set[str] = set()
        out = []
        for m in batch:  # a repeat within the batch is a duplicate of its first copy
            key = f"{m.network}:{m.external_id}"
            out.append(Ingested(key, "duplicate") if key in answered else results[key])
            answered.add(key)
        return out

    async def _known(self, s: AsyncSession, mentions: list[Mention]) -> set[str]:
        if not mentions:
            return set()
        rows = await s.execute(select(t.Mention.network, t.Mention.external_id)
                               .where(t.Mention.external_id.in_({m.external_id for m in mentions})))
        return {f"{n}:{e}" for n, e in rows}

    async def _open_conversations(self, s: AsyncSession, mentions: list[Mention]) -> dict[str, RouteMatch]:
        """Unmatched replies still join a conversation that already has a case."""
        keys = {m.conversation_key for m in mentions if m.in_reply_to}
        if not keys:
            return {}
        rows = await s.execute(select(t.Case).where(t.Case.conversation_key.in_(keys)).order_by(t.Case.id))
        return {c.conversation_key: RouteMatch(c.route, c.team, c.priority, tuple(c.labels), ()) for c in rows.scalars()}

    async def _authors(self, s: AsyncSession, mentions: list[Mention], customers: dict) -> dict[tuple[str, str], int]:
        """Author ids for a batch: insert the new ones (ignoring a concurrent
        insert of the same author), refresh reach and name of the known ones."""
        latest = {(m.network, m.author.handle): m.author for m in mentions}
        if not latest:
            return {}

        def values(key: tuple[str, str]) -> dict:
            a = latest[key]
            return {"name": a.name, "followers": a.followers, "url": a.url,
                    "customer_id": customers.get((key[0], clean_handle(key[1])))}

        async def known() -> dict[tuple[str, str], tuple[int, int, str]]:
            rows = await s.execute(select(t.Author.id, t.Author.network, t.Author.handle, t.Author.followers, t.Author.name)
                                   .where(t.Author.handle.in_({h for _, h in latest})))
            return {(n, h): (i, f, name) for i, n, h, f, name in rows if (n, h) in latest}

        found = await known()
        new = [k for k in latest if k not in found]
        if new:
            dialect = s.bind.dialect.name
            stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(t.Author).on_conflict_do_nothing()
            await s.execute(stmt, [{"network": n, "handle": h, **values((n, h))} for n, h in new])
            found = await known()
        changed = [{"id": found[k][0], **values(k)} for k in latest
                   if k not in new and (found[k][1], found[k][2]) != (latest[k].followers, latest[k].name)]
        if changed:
            await s.execute(update(t.Author), changed)
        return {k: v[0] for k, v in found.items()}

    def _item(self, m: Mention, text: str, match: RouteMatch, signals: Signals, authors: dict[tuple[str, str], int],
              customers: dict) -> Item:
        row = {
            "network": m.network, "external_id": m.external_id, "author_id": authors[(m.network, m.author.handle)],
            "text": text, "url": m.url, "created_at": m.created_at, "ingested_at": self.clock.now(),
            "conversation_key": m.conversation_key, "in_reply_to": m.in_reply_to, "language": signals.language,
            "sentiment": signals.sentiment, "flags": sorted(signals.flags), "route": match.route,
            "matched": list(match.matched), "reply_ref": dict(m.reply_ref), "deleted": False,
        }
        return Item(row, match, signals, customers.get((m.network, clean_handle(m.author.handle))))

    async def mark_deleted(self, network: str, external_id: str) -> int | None:
        async with self.db.transaction() as s:
            row = (await s.execute(select(t.Mention).where(
                t.Mention.network == network, t.Mention.external_id == external_id))).scalar_one_or_none()
            if row is None:
                return None
            row.deleted = True
            if row.case_id:
                case = await s.get(t.Case, row.case_id)
                await self.cases.event(s, case, "rejoinder", "mention_deleted",
                                       f"The author deleted their post {network}:{external_id}.", mention=external_id)
            return row.case_id


def signals_of(facts: Facts) -> Signals:
    """Full enrichment for a kept mention, reusing what routing already computed."""
    return Signals(facts.language, facts.sentiment, facts.sentiment_label, facts.reach, facts.flags)


async def save_cursor(s: AsyncSession, source: str, value: str, clock: Clock) -> None:
    row = await s.get(t.Cursor, source)
    if row is None:
        s.add(t.Cursor(source=source, value=value, updated_at=clock.now()))
    else:
        row.value, row.updated_at = value, clock.now()


async def load_cursor(db: Database, source: str) -> str | None:
    async with db.sessions() as s:
        row = await s.get(t.Cursor, source)
        return row.value if row else None
