"""Mentions in, cases out: normalize → dedupe → route (enrichment is lazy
until a route needs it) → enrich the matches → persist → open or join a case.

Works on batches so a burst costs a handful of queries, not one per mention."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import CaseService
from bot.clock import Clock
from bot.customers import CustomerDirectory, clean_handle
from bot.enrich import Facts
from bot.normalize import normalize
from bot.routing import Router
from bot.store import tables as t
from bot.store.db import Database
from bot.types import Mention, RouteMatch, Signals


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
        routed: list[tuple[Mention, RouteMatch | None, Facts]] = []
        seen: set[str] = set()
        for raw in batch:
            key = f"{raw.network}:{raw.external_id}"
            if key in seen:
                results.setdefault(key, Ingested(key, "duplicate"))
                continue
            seen.add(key)
            mention = raw.model_copy(update={"text": normalize(raw.text)})
            facts = Facts(mention, mention.text, self.brand_handles)
            if facts.from_brand:  # our own posts, e.g. our replies seen on a stream
                results[key] = Ingested(key, "own")
                continue
            match = self.router.route(mention, mention.text, facts)
            routed.append((mention, match, facts))
        async with self.db.transaction() as s:
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
            customers = await self.directory.resolve_many(s, {(m.network, m.author.handle) for m, _, _ in keep})
            authors = await self._authors(s, [m for m, _, _ in keep], customers)
            for mention, match, facts in keep:
                results[f"{mention.network}:{mention.external_id}"] = await self._store(
                    s, mention, match, signals_of(facts), authors, customers)
            if cursor is not None:
                await save_cursor(s, cursor[0], cursor[1], self.clock)
        return [results[f"{m.network}:{m.external_id}"] for m in batch]

    async def _known(self, s: AsyncSession, mentions: list[Mention]) -> set[str]:
        if not mentions:
            return set()
        pairs = [(m.network, m.external_id) for m in mentions]
        rows = await s.execute(
            select(t.Mention.network, t.Mention.external_id).where(tuple_(t.Mention.network, t.Mention.external_id).in_(pairs))
        )
        return {f"{n}:{e}" for n, e in rows}

    async def _open_conversations(self, s: AsyncSession, mentions: list[Mention]) -> dict[str, RouteMatch]:
        """Unmatched replies still join a conversation that already has a case."""
        keys = {m.conversation_key for m in mentions if m.in_reply_to}
        if not keys:
            return {}
        rows = await s.execute(select(t.Case).where(t.Case.conversation_key.in_(keys)).order_by(t.Case.id))
        return {c.conversation_key: RouteMatch(c.route, c.team, c.priority, tuple(c.labels), ()) for c in rows.scalars()}

    async def _authors(self, s: AsyncSession, mentions: list[Mention], customers: dict) -> dict[tuple[str, str], t.Author]:
        if not mentions:
            return {}
        handles = {m.author.handle for m in mentions}
        rows = (await s.execute(select(t.Author).where(t.Author.handle.in_(handles)))).scalars()
        found = {(a.network, a.handle): a for a in rows}
        for m in mentions:
            key = (m.network, m.author.handle)
            author = found.get(key)
            if author is None:
                author = found[key] = t.Author(network=m.network, handle=m.author.handle)
                s.add(author)
            author.name, author.followers, author.url = m.author.name, m.author.followers, m.author.url
            author.customer_id = customers.get((m.network, clean_handle(m.author.handle)))
        await s.flush()
        return found

    async def _store(self, s: AsyncSession, m: Mention, match: RouteMatch, signals: Signals,
                     authors: dict, customers: dict) -> Ingested:
        row = t.Mention(
            network=m.network, external_id=m.external_id, author_id=authors[(m.network, m.author.handle)].id,
            text=m.text, url=m.url, created_at=m.created_at, ingested_at=self.clock.now(),
            conversation_key=m.conversation_key, in_reply_to=m.in_reply_to, language=signals.language,
            sentiment=signals.sentiment, flags=sorted(signals.flags), route=match.route, matched=list(match.matched),
            reply_ref=dict(m.reply_ref),
        )
        s.add(row)
        customer_id = customers.get((m.network, clean_handle(m.author.handle)))
        case, created = await self.cases.attach(s, row, match, signals, customer_id)
        if customer_id is not None:
            await self.directory.log(s, customer_id, "mention", f"@{m.author.handle} on {m.network}: {m.text}",
                                     m.created_at, case_id=case.id, network=m.network)
        key = f"{m.network}:{m.external_id}"
        return Ingested(key, "opened" if created else "joined", case.id, match)

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
