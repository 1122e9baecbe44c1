"""Pipeline details: batch duplicates, the customer flag, deletions, cursors."""
from __future__ import annotations

from sqlalchemy import select

from bot.people.customer_import import import_customers
from bot.intake.pipeline import load_cursor
from bot.store import tables as t
from tests.core.harness import WORKSPACE, make_world, mention

CUSTOMER_ROUTE = WORKSPACE.replace("routes:\n", """routes:
  - name: vip
    team: support
    priority: high
    match: {all: [{flag: customer}, {keyword: hello}]}
""", 1)


async def test_repeats_within_a_batch_are_duplicates(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        m = mention(1, "@acme order broken")
        assert [r.outcome for r in await w.ingest(m, m, m)] == ["opened", "duplicate", "duplicate"]
    finally:
        await w.db.close()


async def test_customer_flag_routes_known_customers_only(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, CUSTOMER_ROUTE)
    try:
        (tmp_path / "c.csv").write_text("email,name,phone,tier,lifetime_value,handles\nk@example.com,Kim,,vip,10,x:kim\n")
        await import_customers(w.db, tmp_path / "c.csv")
        known, stranger = await w.ingest(mention(1, "hello there", handle="kim"), mention(2, "hello there", handle="zed"))
        assert known.outcome == "opened" and known.match.route == "vip"
        assert stranger.outcome == "dropped"
        async with w.db.sessions() as s:
            flags = (await s.execute(select(t.Mention.flags))).scalar_one()
            timeline = (await s.execute(select(t.CustomerEvent.kind))).scalars().all()
        assert "customer" in flags and timeline == ["mention"]
    finally:
        await w.db.close()


async def test_cursor_is_saved_with_the_batch(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        await w.core.pipeline.ingest([mention(1, "@acme order broken")], cursor=("feed", "17"))
        await w.core.pipeline.ingest([], cursor=("feed", "18"))  # noise only still moves the cursor
        assert await load_cursor(w.db, "feed") == "18"
    finally:
        await w.db.close()


async def test_deleted_post_is_marked_and_logged(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme order broken"))
        assert await w.core.pipeline.mark_deleted("x", "1") == r.case_id
        assert await w.core.pipeline.mark_deleted("x", "404") is None
        async with w.db.sessions() as s:
            assert (await s.execute(select(t.Mention.deleted))).scalar_one() is True
            kinds = (await s.execute(select(t.CaseEvent.kind).where(t.CaseEvent.case_id == r.case_id))).scalars().all()
        assert "mention_deleted" in kinds
    finally:
        await w.db.close()
