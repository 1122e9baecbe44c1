"""The schema comes from the Alembic migrations, applied on start, on SQLite
and on PostgreSQL; it must match the models exactly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.store.db import Database, alembic_config
from bot.store.tables import Base
from tests.core.harness import DANA, make_world, mention

TABLES = {"mentions", "authors", "identities", "customers", "orders", "cases", "case_events", "drafts",
          "approvals", "notes", "outbox", "customer_events"}


def _differences(conn) -> list:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
    return compare_metadata(context, Base.metadata)


async def test_start_applies_the_migrations_and_they_match_the_models(database_url):
    db = await Database(database_url).start()
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        async with db.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            assert version == head
            assert TABLES <= tables
            assert await conn.run_sync(_differences) == []
    finally:
        await db.close()


async def test_starting_again_keeps_the_data_and_the_identity_of_mentions(database_url, tmp_path):
    first = await make_world(database_url, tmp_path)
    [r] = await first.ingest(mention(1, "@acme my order is broken"))
    await first.db.close()
    second = await make_world(database_url, tmp_path)  # the migrations run again on start
    try:
        [again] = await second.ingest(mention(1, "@acme my order is broken"))
        assert again.outcome == "duplicate"
        assert (await second.core.card_for(r.case_id, DANA)).mention_text == "@acme my order is broken"
    finally:
        await second.db.close()
