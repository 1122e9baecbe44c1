"""One process loses nothing: items that cannot be stored become dead
letters, the rest of their batch is stored; replies join a case opened in
the same batch; many processes can migrate a fresh database at once."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.cluster.status import collect, replay_dead_letters
from bot.intake.consumer import Consumer, add_dead_letter
from bot.store import tables as t
from bot.store.db import Database
from tests.core.harness import make_world, mention


def payload(m, cursor: int) -> dict:
    return {"source": "feed", "cursor": str(cursor), "network": m.network, "deleted_id": None, "edited": False,
            "token": 0, "mention": m.model_dump(mode="json")}


async def count(db, table) -> int:
    async with db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_post_that_cannot_be_stored_is_a_dead_letter_and_the_batch_goes_on(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        good = [payload(mention(n, f"@acme my order {n} is broken", handle=f"u{n}"), n) for n in range(1, 7)]
        huge = payload(mention(90, "@acme my order is broken", handle="big", followers=2 ** 63), 90)
        ancient = payload(mention(91, "@acme my order is broken", handle="old"), 91)
        ancient["mention"]["created_at"] = "0001-01-01T00:00:00Z"
        invalid = {**payload(mention(92, "@acme help"), 92), "mention": {"network": "x"}}
        batch = good[:3] + [huge, ancient, invalid] + good[3:]
        if database_url.startswith("postgresql"):
            nul = payload(mention(93, "@acme my order is broken", handle="nul\x00byte"), 93)
            batch.insert(2, nul)
        consumer = Consumer(w.db, w.core.pipeline, w.clock)
        await consumer.handle(batch)
        async with w.db.sessions() as s:
            stored = set((await s.execute(select(t.Mention.external_id))).scalars())
            letters = list((await s.execute(select(t.DeadLetter).order_by(t.DeadLetter.id))).scalars())
            cursor = (await s.get(t.Cursor, "feed")).value
        assert stored == {str(n) for n in range(1, 7)}  # every good post of the batch
        bad = len(batch) - len(good)
        assert len(letters) == bad and all(letter.reason for letter in letters)
        assert any('"big"' in letter.payload for letter in letters)
        assert cursor == "6"  # the cursor moved past the whole batch
        status = await collect(w.db, w.clock)
        assert status["dead_letters"]["waiting"] == bad
        # Replaying cannot store them yet (nothing changed) and says why; they stay waiting.
        results = await replay_dead_letters(w.db, w.clock, consumer)
        assert len(results) == bad and all(error for _, error in results)
        assert (await collect(w.db, w.clock))["dead_letters"]["waiting"] == bad
    finally:
        await w.db.close()


async def test_a_replayed_dead_letter_is_stored_once_it_can_be(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        consumer = Consumer(w.db, w.core.pipeline, w.clock)
        item = payload(mention(5, "@acme my order is broken"), 5)
        async with w.db.transaction() as s:
            await add_dead_letter(s, item, "database was full", w.clock)
        [(letter_id, error)] = await replay_dead_letters(w.db, w.clock, consumer)
        assert error is None
        assert await count(w.db, t.Mention) == 1
        assert (await collect(w.db, w.clock))["dead_letters"]["waiting"] == 0
    finally:
        await w.db.close()


async def test_a_reply_joins_the_case_its_root_opens_in_the_same_batch(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        root = mention(1, "@acme my order is broken")
        reply = mention(2, "still nothing, any news?", handle="maria", conversation="1", reply_to="1", minutes=1)
        early = mention(3, "same here", handle="bob", conversation="1", reply_to="1", minutes=2)
        results = await w.core.pipeline.ingest([early, root, reply])
        assert [r.outcome for r in results].count("opened") == 1
        assert len({r.case_id for r in results}) == 1 and results[0].case_id is not None
        assert await count(w.db, t.Case) == 1 and await count(w.db, t.Mention) == 3
    finally:
        await w.db.close()


async def test_replies_stored_before_their_root_are_held_and_join_its_case_once_each(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        reply = mention(2, "still nothing, any news?", conversation="1", reply_to="1", minutes=1)
        other = mention(3, "same here", handle="bob", conversation="1", reply_to="1", minutes=2)
        early = await w.core.pipeline.ingest([reply, other]) + await w.core.pipeline.ingest([reply])  # and again
        assert [r.outcome for r in early] == ["dropped"] * 3 and await count(w.db, t.HeldReply) == 3
        [opened] = await w.core.pipeline.ingest([mention(1, "@acme my order is broken")])
        async with w.db.sessions() as s:
            rows = (await s.execute(select(t.Mention.external_id, t.Mention.case_id).order_by(t.Mention.id))).all()
        assert opened.outcome == "opened" and rows == [("1", opened.case_id), ("2", opened.case_id), ("3", opened.case_id)]
        assert await count(w.db, t.HeldReply) == 0
    finally:
        await w.db.close()


async def test_processes_starting_together_on_a_fresh_database_migrate_once(postgres_url):
    dbs = [Database(postgres_url) for _ in range(6)]
    try:
        await asyncio.gather(*(db.start() for db in dbs))
        assert await count(dbs[0], t.Mention) == 0
    finally:
        await asyncio.gather(*(db.close() for db in dbs))


async def test_a_feed_line_nested_beyond_reason_is_reported_and_the_feed_goes_on(tmp_path):
    from integrations.social.replay import ReplaySource

    good = mention(1, "@acme my order is broken").model_dump_json()
    (tmp_path / "feed.jsonl").write_text("\n".join(["[" * 100_000 + "]" * 100_000, good]) + "\n")
    errors: list[str] = []
    items = [item async for item in ReplaySource("feed", tmp_path / "feed.jsonl", errors.append).items(None)]
    assert [(i.mention is not None, i.cursor) for i in items] == [(False, "1"), (True, "2")]
    assert errors == ["feed.jsonl:1: nested too deeply to be a post"]
