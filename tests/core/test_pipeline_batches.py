"""Batch ingestion across batches: outcomes, authors, incidents, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from bot.store import tables as t
from tests.core.harness import make_world, mention


async def test_outcomes_within_and_across_batches(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        first = await w.ingest(
            mention(1, "@acme my order is broken"),
            mention(2, "lovely weather today"),
            mention(3, "@acme thanks, looking into it", handle="acme"),
            mention(1, "@acme my order is broken"),
        )
        assert [r.outcome for r in first] == ["opened", "dropped", "own", "duplicate"]
        again = await w.ingest(
            mention(1, "@acme my order is broken"),  # delivered again by the source
            mention(4, "still waiting", conversation="1", reply_to="1"),
            mention(6, "unrelated reply", conversation="99", reply_to="98"),
            mention(2, "lovely weather today"),
            mention(4, "still waiting", conversation="1", reply_to="1"),
        )
        assert [r.outcome for r in again] == ["duplicate", "joined", "dropped", "dropped", "duplicate"]
        assert again[1].case_id == first[0].case_id and again[1].match.route == "support"
        async with w.db.sessions() as s:
            stored = (await s.execute(select(t.Mention.external_id).order_by(t.Mention.id))).scalars().all()
        assert stored == ["1", "4"]
    finally:
        await w.db.close()


async def test_authors_are_stored_once_and_refreshed_when_reach_or_name_change(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        await w.ingest(mention(1, "@acme order broken", handle="kim", followers=10),
                       mention(2, "@acme refund please", handle="lou", followers=20))
        async with w.db.sessions() as s:
            ids = dict((await s.execute(select(t.Author.handle, t.Author.id))).all())
        await w.ingest(mention(3, "@acme order still broken", handle="kim", followers=15),
                       mention(4, "@acme refund?", handle="lou", followers=20),
                       mention(5, "@acme help", handle="new", followers=1))
        async with w.db.sessions() as s:
            rows = {h: (i, f) for h, i, f in await s.execute(select(t.Author.handle, t.Author.id, t.Author.followers))}
            by_mention = dict((await s.execute(select(t.Mention.external_id, t.Mention.author_id))).all())
        assert rows["kim"] == (ids["kim"], 15) and rows["lou"] == (ids["lou"], 20) and len(rows) == 3
        assert by_mention["3"] == by_mention["1"] == ids["kim"] and by_mention["5"] == rows["new"][0]
    finally:
        await w.db.close()


async def test_a_burst_across_batches_folds_into_one_incident(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        a, b = await w.ingest(mention(1, "@acme outage here", minutes=0), mention(2, "@acme outage again", minutes=1))
        assert a.outcome == b.outcome == "opened"
        [c] = await w.ingest(mention(3, "@acme outage for me too", minutes=2))
        [d] = await w.ingest(mention(4, "@acme outage still", minutes=3))
        [late] = await w.ingest(mention(5, "@acme order broken", minutes=30))
        async with w.db.sessions() as s:
            cases = {c.id: c for c in (await s.execute(select(t.Case))).scalars()}
        incident = cases[c.case_id]
        assert c.outcome == "opened" and incident.is_incident and "incident" in incident.labels
        assert cases[a.case_id].incident_of == cases[b.case_id].incident_of == incident.id
        assert d.outcome == "joined" and d.case_id == incident.id
        assert late.outcome == "opened" and not cases[late.case_id].is_incident and cases[late.case_id].incident_of is None
    finally:
        await w.db.close()
