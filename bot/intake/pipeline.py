"""Mentions in, cases out: normalize → dedupe → route (enrichment is lazy
until a route needs it) → enrich the matches → persist → open or join a case.

Works on batches so a burst costs a handful of queries, not one per mention."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, literal, null, or_, select, text, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.intake.case_batch import Item
from bot.cases.lifecycle import CaseService
from bot.clock import Clock
from bot.people.customers import CustomerDirectory, clean_handle
from bot.intake import held
from bot.intake.edits import apply_to_stored
from bot.intake.enrich import Facts
from bot.intake.normalize import normalize
from bot.routing import Router
from bot.store import tables as t
from bot.store.db import Database
from bot.store.lists import ByDialect
from bot.types import Mention, RouteMatch, Signals


CUSTOMER = frozenset({"customer"})
# Built once per dialect: a list bound as one parameter (see bot/store/lists.py).
_AUTHORS = ByDialect(lambda within: select(t.Author.id, t.Author.network, t.Author.handle, t.Author.followers,
                                           t.Author.name).where(within(t.Author.handle, "handles")))
# Stored mentions and authors in one statement: each round trip to the database costs more than the rows.
_STORED = ByDialect(lambda within: union_all(
    select(literal("author"), t.Author.network, t.Author.handle, t.Author.id, t.Author.followers, t.Author.name)
    .where(within(t.Author.handle, "handles")),
    select(literal("mention"), t.Mention.network, t.Mention.external_id, null(), null(), null())
    .where(within(t.Mention.external_id, "ids")),
))
# The cases of some conversations, oldest first (a later one wins), as plain rows.
_OPEN = ByDialect(lambda within: select(t.Case.conversation_key, t.Case.route, t.Case.team, t.Case.priority,
                                        t.Case.labels).where(within(t.Case.conversation_key, "keys"))
                  .order_by(t.Case.id))


_LOCK_CONVERSATIONS = text(
    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7))) FROM (SELECT unnest(CAST(:keys AS text[])) AS k "
    "ORDER BY 1) AS keys")


class Ingested(NamedTuple):
    """What became of one mention (a tuple: one is made per mention of a stream)."""

    key: str
    outcome: str  # opened | joined | dropped | duplicate | own
    case_id: int | None = None
    match: RouteMatch | None = None


class Pipeline:
    def __init__(self, db: Database, clock: Clock, router: Router, cases: CaseService,
                 directory: CustomerDirectory, brand_handles: dict[str, str]) -> None:
        self.db, self.clock, self.router, self.cases, self.directory = db, clock, router, cases, directory
        self.brand_handles = brand_handles
        self._holds = 0  # replies held by this process, to prune now and then

    async def ingest(self, batch: list[Mention], cursor: tuple[str, str] | None = None,
                     cursors: dict[str, str] | None = None) -> list[Ingested]:
        """Store what matters from `batch`; `cursor` = (source, value) is saved in
        the same transaction, so a restart resumes with nothing lost or doubled."""
        keys = [f"{m.network}:{m.external_id}" for m in batch]
        first: dict[str, int] = {}  # key -> index of its first copy in the batch
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        fresh = [batch[i] for i in first.values()] if len(first) < len(batch) else batch
        outcome: dict[str, str] = {}  # key -> outcome, for those not stored
        # Per-mention work is kept small: most mentions of a stream are noise.
        ours = {net: h.lstrip("@").casefold() for net, h in self.brand_handles.items() if h}
        brand, route = self.brand_handles, self.router.route
        async with self.db.transaction() as s:
            # One query for the batch, so routes can use the `customer` flag.
            customers = await self.directory.resolve_many(s, {(m.network, m.author.handle) for m in fresh})
            routed: list[tuple[Mention, RouteMatch | None, Facts]] = []
            for key, raw in zip(first, fresh):
                own = ours.get(raw.network)
                if own is not None and raw.author.handle.lstrip("@").casefold() == own:
                    # Our own posts, e.g. our replies seen on a stream.
                    outcome[key] = "own"
                    continue
                if customers and (raw.network, clean_handle(raw.author.handle)) in customers:
                    facts = Facts(raw, normalize(raw.text), brand, extra_flags=CUSTOMER)
                else:
                    facts = Facts(raw, normalize(raw.text), brand)
                match = route(raw, facts.text, facts)
                if match is not None or raw.in_reply_to:
                    routed.append((raw, match, facts))
                else:
                    outcome[key] = "dropped"
            # Only what may be stored takes a lock; most of a stream is noise.
            await lock_conversations(s, {m.conversation_key for m, _, _ in routed})
            known, stored_authors = await self._stored(s, [m for m, _, _ in routed])
            for key in known:  # stored already: a duplicate, even where no route matched it
                if outcome.get(key) == "dropped":
                    outcome[key] = "duplicate"
            threads = await self._open_conversations(s, [m for m, match, _ in routed if match is None])
            # A reply also joins the case its root opens in this very batch.
            for mention, match, _ in routed:
                if match is not None and f"{mention.network}:{mention.external_id}" not in known:
                    threads.setdefault(mention.conversation_key, match)
            # And replies stored before their root (held) join the case it opens now.
            early = await held.take(s, {m.conversation_key for m, match, _ in routed if match is not None})
            if early:
                early_known, early_authors = await self._stored(s, early)
                stored_authors = {**early_authors, **stored_authors}
                routed += [(m, None, Facts(m, normalize(m.text), brand)) for m in early
                           if f"{m.network}:{m.external_id}" not in early_known]
            keep = []
            for mention, match, facts in routed:
                key = f"{mention.network}:{mention.external_id}"
                if key in known:
                    outcome[key] = "duplicate"
                elif match is None and mention.conversation_key not in threads:
                    outcome[key] = "dropped"
                else:
                    keep.append((mention, match or threads[mention.conversation_key], facts))
            orphans = [m for m, match, _ in routed if match is None and m.in_reply_to
                       and outcome.get(f"{m.network}:{m.external_id}") == "dropped"]
            await held.hold(s, orphans, self.clock.now())  # their root may be stored after them
            self._holds += len(orphans)
            if self._holds >= held.PRUNE_EVERY:
                self._holds = 0
                await held.prune(s, self.clock.now())
            authors = await self._authors(s, [m for m, _, _ in keep], customers, stored_authors)
            items = [self._item(m, facts.text, match, signals_of(facts), authors, customers) for m, match, facts in keep]
            if items:
                await self.cases.attach_batch(s, items)
            for source, value in (({cursor[0]: cursor[1]} if cursor else {}) | (cursors or {})).items():
                value, token, seq = value if isinstance(value, tuple) else (value, 0, None)
                await save_cursor(s, source, value, self.clock, token, seq)
        stored = {item.key: Ingested(item.key, "opened" if item.created else "joined", item.case_id, item.match)
                  for item in items}
        out = []
        for i, key in enumerate(keys):
            if first[key] != i:  # a repeat within the batch is a duplicate of its first copy
                out.append(Ingested(key, "duplicate"))
            else:
                out.append(stored[key] if key in stored else Ingested(key, outcome[key]))
        return out

    async def _stored(self, s: AsyncSession, mentions: list[Mention]) -> tuple[set[str], dict]:
        """In one round trip: which of `mentions` are stored already (as
        "network:external_id"), and the stored authors of these mentions by
        (network, handle), as (id, followers, name)."""
        if not mentions:
            return set(), {}
        conn = await s.connection()  # nothing pending to flush: the batch has written nothing yet
        rows = await conn.execute(_STORED.on(s), {"ids": list({m.external_id for m in mentions}),
                                            "handles": list({m.author.handle for m in mentions})})
        known, authors = set(), {}
        for kind, network, handle_or_id, author_id, followers, name in rows:
            if kind == "mention":
                known.add(f"{network}:{handle_or_id}")
            else:
                authors[(network, handle_or_id)] = (author_id, followers, name)
        return known, authors

    async def _open_conversations(self, s: AsyncSession, mentions: list[Mention]) -> dict[str, RouteMatch]:
        """Unmatched replies still join a conversation that already has a case."""
        keys = {m.conversation_key for m in mentions if m.in_reply_to}
        if not keys:
            return {}
        rows = await s.execute(_OPEN.on(s), {"keys": list(keys)})
        return {key: RouteMatch(route, team, priority, tuple(labels), ()) for key, route, team, priority, labels in rows}

    async def _authors(self, s: AsyncSession, mentions: list[Mention], customers: dict,
                       stored: dict[tuple[str, str], tuple[int, int, str]]) -> dict[tuple[str, str], int]:
        """Author ids for a batch: insert the new ones (ignoring a concurrent
        insert of the same author), refresh reach and name of the known ones.
        `stored` holds the authors found by `_stored`."""
        latest = {(m.network, m.author.handle): m.author for m in mentions}
        if not latest:
            return {}

        def values(key: tuple[str, str]) -> dict:
            a = latest[key]
            return {"name": a.name, "followers": a.followers, "url": a.url,
                    "customer_id": customers.get((key[0], clean_handle(key[1])))}

        async def known() -> dict[tuple[str, str], tuple[int, int, str]]:
            rows = await s.execute(_AUTHORS.on(s), {"handles": list({h for _, h in latest})})
            return {(n, h): (i, f, name) for i, n, h, f, name in rows if (n, h) in latest}

        found = {k: stored[k] for k in latest if k in stored}
        # In key order, like the updates below in id order: two processes writing
        # overlapping authors take their row locks in the same order, so neither deadlocks.
        new = sorted(k for k in latest if k not in found)
        if new:
            dialect = s.bind.dialect.name
            table = t.Author.__table__
            stmt = ((pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()
                    .returning(table.c.id, table.c.network, table.c.handle))
            conn = await s.connection()
            rows = await conn.execute(stmt, [{"network": n, "handle": h, **values((n, h))} for n, h in new])
            for i, n, h in rows:
                found[(n, h)] = (i, latest[(n, h)].followers, latest[(n, h)].name)
            if any(k not in found for k in new):  # inserted meanwhile by another writer
                found = await known()
        fresh = set(new)
        changed = sorted(({"id": found[k][0], **values(k)} for k in latest
                          if k not in fresh and (found[k][1], found[k][2]) != (latest[k].followers, latest[k].name)),
                         key=lambda row: row["id"])
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

    async def apply_edits(self, edits: list[Mention], cursors: dict[str, str] | None = None) -> list[Ingested]:
        """New versions of posts (see `SourceItem.edited`), in order: a stored
        mention takes the new text (outcome "edited", or "unchanged" when it
        has it already); a post never stored is ingested as new. `cursors` are
        saved last, so an edit cut short by a crash is delivered again (and a
        repeated edit changes nothing)."""
        async with self.db.transaction() as s:
            done, unseen = await apply_to_stored(s, self.cases, self.brand_handles, edits)
        fresh = {r.key: r for r in await self.ingest(unseen, cursors=cursors)} if unseen or cursors else {}
        return [Ingested(e.key, e.outcome, e.case_id) if e else fresh[f"{m.network}:{m.external_id}"]
                for m, e in zip(edits, done)]

    async def mark_deleted(self, network: str, external_id: str) -> int | None:
        """Mark a post deleted by its author. The first report tells the case's
        card and thread; a repeated one (a restart, a redelivery) changes nothing."""
        async with self.db.transaction() as s:
            found = (await s.execute(
                select(t.Mention, t.Author.handle).join(t.Author, t.Mention.author_id == t.Author.id)
                .where(t.Mention.network == network, t.Mention.external_id == external_id))).one_or_none()
            if found is None:
                return None
            row, handle = found
            if row.case_id and not row.deleted:
                case = await s.get(t.Case, row.case_id)
                await self.cases.event(s, case, f"@{handle}", "mention_deleted", f"@{handle} deleted their post.",
                                       mention=f"{network}:{external_id}")
            row.deleted = True
            return row.case_id


def signals_of(facts: Facts) -> Signals:
    """Full enrichment for a kept mention, reusing what routing already computed."""
    return Signals(facts.language, facts.sentiment, facts.sentiment_label, facts.reach, facts.flags)


async def save_cursor(s: AsyncSession, source: str, value: str, clock: Clock, token: int = 0,
                      seq: int | None = None) -> None:
    """An upsert (two processes may write the same cursor) fenced by the
    source lease's token: a writer that lost the lease cannot move it back.
    `seq` orders the items of one token: pipeline processes store batches in
    any order, so a batch stored late must not take the cursor back. Without
    `seq` (a write by hand, a reset) only the token fences."""
    table = t.Cursor.__table__
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(source=source, value=value, updated_at=clock.now(), token=token, seq=seq or 0)
    new = stmt.excluded
    fence = table.c.token <= new.token if seq is None else or_(
        table.c.token < new.token, and_(table.c.token == new.token, table.c.seq <= new.seq))
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.source],
        set_={"value": new.value, "updated_at": new.updated_at, "token": new.token, "seq": new.seq},
        where=fence)
    await s.execute(stmt)


async def lock_conversations(s: AsyncSession, keys: set[str]) -> None:
    """On PostgreSQL, hold each conversation of the batch until commit, in a
    fixed order: two processes ingesting the same conversation take turns, so
    the second sees the first one's case and mention. (The unique index on a
    case's conversation key is the backstop.)"""
    if keys and s.bind.dialect.name == "postgresql":
        await s.execute(_LOCK_CONVERSATIONS, {"keys": sorted(keys)})


async def load_cursor(db: Database, source: str) -> str | None:
    return (await load_cursor_seq(db, source))[0]


async def load_cursor_seq(db: Database, source: str) -> tuple[str | None, int]:
    """The saved cursor and the order (`seq`) of the item it was saved with."""
    async with db.sessions() as s:
        row = await s.get(t.Cursor, source)
        return (row.value, row.seq) if row else (None, 0)
