"""The parts that let several processes share one PostgreSQL and one Redis,
each with real servers: source leases and fenced cursors, outbox leases,
stream entries left by a dead consumer, concurrent ingest, refused setups."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from bot.cluster.leases import Leases
from bot.intake.pipeline import load_cursor, save_cursor
from bot.publishing.outbox import OutboxWorker, enqueue
from bot.store import tables as t
from bot.store.db import Database
from integrations.bus.redis_streams import RedisStreamsBus
from tests.core.harness import T0, make_world, mention


async def test_a_source_lease_is_held_by_one_process_and_taken_over_when_it_expires(postgres_url):
    db = await Database(postgres_url).start()
    try:
        a, b = Leases(db, holder="a", ttl=0.5), Leases(db, holder="b", ttl=0.5)
        first = await a.acquire("source:feed")
        assert first == 1 and await b.acquire("source:feed") is None
        assert await a.renew("source:feed", first)
        # a stops renewing (dead or paused): b waits for the lease to run out, then takes it.
        for _ in range(200):
            second = await b.acquire("source:feed")
            if second is not None:
                break
            await asyncio.sleep(0.05)
        assert second == 2
        assert not await a.renew("source:feed", first)  # a, waking up, learns it lost the source
        # Its cursor writes are fenced: b's token is higher.
        async with db.transaction() as s:
            await save_cursor(s, "feed", "500", _Clock(), token=second)
        async with db.transaction() as s:
            await save_cursor(s, "feed", "100", _Clock(), token=first)  # the old holder, behind
        assert await load_cursor(db, "feed") == "500"
        await b.release("source:feed", second)
        assert await a.acquire("source:feed") == 3  # released: taken at once, with a new token
    finally:
        await db.close()


async def test_a_lease_is_kept_while_its_holders_event_loop_is_busy_and_lost_when_taken(postgres_url):
    import time

    db = await Database(postgres_url).start()
    try:
        a, b = Leases(db, holder="a", ttl=0.6), Leases(db, holder="b", ttl=0.6)
        token = await a.acquire("source:feed")
        lost = a.keep("source:feed", token)
        time.sleep(2.0)  # noqa: ASYNC251 - on purpose: a's loop is blocked (a big batch on a busy machine): its keeper thread renews
        assert await b.acquire("source:feed") is None and not lost.is_set()
        async with db.transaction() as s:  # taken over (a's renewals were late, say): a hears of it
            await s.execute(update(t.Lease).values(holder="b", token=token + 1))
        async with asyncio.timeout(10):
            await lost.wait()
        a.close()
    finally:
        await db.close()


async def test_batches_stored_out_of_order_by_two_pipeline_processes_never_move_the_cursor_back(postgres_url, tmp_path):
    from bot.cluster.pumps import SourcePump
    from bot.intake.bus import InProcessBus
    from bot.intake.consumer import Consumer
    from integrations.social.replay import ReplaySource

    w = await make_world(postgres_url, tmp_path)
    w2 = await make_world(postgres_url, tmp_path)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(mention(n, f"@acme order {n} is late").model_dump_json() + "\n" for n in range(1, 9)))
    try:
        bus = InProcessBus()
        pump = SourcePump(ReplaySource("feed", feed), w.db, bus, Leases(w.db, holder="a"))
        await pump.pump(token=4)
        payloads = [d.payload for d in await _take(bus, 8)]
        assert [p["seq"] for p in payloads] == list(range(1, 9)) and {p["token"] for p in payloads} == {4}
        # Two pipeline processes took a batch each; the later batch is stored first.
        await Consumer(w2.db, w2.core.pipeline, w2.clock).handle(payloads[4:])
        await Consumer(w.db, w.core.pipeline, w.clock).handle(payloads[:4])
        assert await load_cursor(w.db, "feed") == "8"
        # A batch mixing entries claimed from a dead process with newer ones: the newest wins.
        await Consumer(w.db, w.core.pipeline, w.clock).handle([payloads[7], payloads[2]])
        assert await load_cursor(w.db, "feed") == "8"
        # The source starts again (a restart on one process: same token): its items count on past the saved one.
        feed.write_text(feed.read_text() + mention(9, "@acme order 9 is late").model_dump_json() + "\n")
        again = SourcePump(ReplaySource("feed", feed), w.db, bus, Leases(w.db, holder="a"))
        await again.pump(token=4)
        [late] = [d.payload for d in await _take(bus, 1)]
        assert (late["cursor"], late["seq"]) == ("9", 9)
        await Consumer(w.db, w.core.pipeline, w.clock).handle([late])
        assert await load_cursor(w.db, "feed") == "9"
        async with w.db.transaction() as s:  # a write without an order (by hand) is fenced by the token only
            await save_cursor(s, "feed", "0", _Clock(), token=4)
        assert await load_cursor(w.db, "feed") == "0"
    finally:
        await w2.db.close()
        await w.db.close()


async def _take(bus, n: int) -> list:
    out = []
    async with asyncio.timeout(10):
        async for delivery in bus.consume("mentions", "pipeline"):
            out.append(delivery)
            await delivery.ack()
            if len(out) == n:
                break
    return out


class _Clock:
    def now(self):
        return T0


async def test_two_outbox_workers_claim_each_row_once_and_start_up_leaves_live_rows_alone(postgres_url, tmp_path):
    w = await make_world(postgres_url, tmp_path)
    other = await Database(postgres_url).start()
    try:
        async with w.db.transaction() as s:
            for n in range(40):
                enqueue(s, "test.op", f"k{n}", T0)
        done: list[int] = []

        async def handler(row, uncertain):
            done.append(row.id)
            await asyncio.sleep(0)
            return {}

        a = OutboxWorker(w.db, w.clock, "test.", {"test.op": handler}, holder="a")
        b = OutboxWorker(other, w.clock, "test.", {"test.op": handler}, holder="b")
        claims = await asyncio.gather(a._claim(), b._claim())
        ids = [row.id for batch in claims for _, row, _ in batch]
        assert len(ids) == len(set(ids)) == 40  # no row claimed twice
        # b starts again (a restart) while a still holds its rows: nothing of a's is taken back.
        assert await b.recover() == 0
        held_by_a = [row for _, row, _ in claims[0]] + [row for _, row, _ in claims[1]]
        # Both die: once their leases run out, its rows go back as uncertain, and are not counted as attempts.
        async with w.db.transaction() as s:
            await s.execute(update(t.Outbox).where(t.Outbox.lease_holder.in_(("a", "b"))).values(lease_until=T0))
        w.clock.advance(timedelta(minutes=1))
        assert await b.recover() == len(held_by_a)
        async with w.db.sessions() as s:
            rows = list((await s.execute(select(t.Outbox).where(t.Outbox.status == "uncertain"))).scalars())
        assert len(rows) == len(held_by_a) and all(r.attempts == 0 for r in rows)
    finally:
        await other.close()
        await w.db.close()


async def test_a_lane_worked_by_another_process_is_left_to_it(postgres_url, tmp_path):
    w = await make_world(postgres_url, tmp_path)
    other = await Database(postgres_url).start()
    try:
        [first] = await w.core.pipeline.ingest([mention(1, "@acme my order is broken")])
        async with w.db.transaction() as s:
            for n in range(3):
                enqueue(s, "test.op", f"lane{n}", T0, case_id=first.case_id)
        a = OutboxWorker(w.db, w.clock, "test.", {}, holder="a")
        b = OutboxWorker(other, w.clock, "test.", {}, holder="b")
        got_a = await a._claim()
        async with w.db.transaction() as s:
            enqueue(s, "test.op", "lane3", T0, case_id=first.case_id)  # queued while a works the lane
        assert [row.idempotency_key for _, row, _ in got_a] == ["lane0", "lane1", "lane2"]
        assert await b._claim() == []  # the case's lane is a's until its rows are done
    finally:
        await other.close()
        await w.db.close()


async def test_entries_of_a_dead_consumer_are_claimed_by_a_live_one_within_bounded_time(redis_url):
    dead = RedisStreamsBus(redis_url, prefix="tc1", consumer="dead", block_ms=100)
    live = RedisStreamsBus(redis_url, prefix="tc1", consumer="live", block_ms=100, claim_idle_ms=300,
                           claim_every=0.1)
    try:
        await dead.publish_many("m", [{"i": i} for i in range(6)])
        got = await asyncio.wait_for(anext(dead.consume_batches("m", "g", 3)), timeout=5)
        assert [d.payload["i"] for d in got] == [0, 1, 2]  # read, never acked: then the process dies
        seen: list[int] = []
        batches = live.consume_batches("m", "g", 10)  # already running before the others go idle
        while len(seen) < 6:
            batch = await asyncio.wait_for(anext(batches), timeout=5)
            seen += [d.payload["i"] for d in batch]
            await live.ack_batch(batch)
        assert sorted(seen) == list(range(6))
        info = await live.info("m")
        assert info["groups"][0]["pending"] == 0
    finally:
        await dead.close()
        await live.close()


async def test_two_processes_ingesting_one_conversation_at_once_make_one_case(postgres_url, tmp_path):
    w = await make_world(postgres_url, tmp_path)
    w2 = await make_world(postgres_url, tmp_path)
    try:
        for round_ in range(5):
            base = 100 * round_
            root = mention(base + 1, "@acme a quote for 40 bikes?", conversation=f"c{round_}")
            reply = mention(base + 2, "@acme what pricing for schools?", handle="bob", conversation=f"c{round_}",
                            reply_to=str(base + 1))
            # The same root also reaches both (a redelivery), plus a reply each.
            await asyncio.gather(w.core.pipeline.ingest([root, reply]), w2.core.pipeline.ingest([reply, root]))
        async with w.db.sessions() as s:
            per_conv = (await s.execute(select(t.Case.conversation_key, func.count()).group_by(t.Case.conversation_key))).all()
            mentions = (await s.execute(select(func.count()).select_from(t.Mention))).scalar_one()
        assert len(per_conv) == 5 and all(n == 1 for _, n in per_conv)
        assert mentions == 10
    finally:
        await w2.db.close()
        await w.db.close()


async def test_a_reply_stored_before_its_root_joins_the_case_the_root_opens(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        root = mention(1, "@acme my order never arrived", conversation="c1")
        reply = mention(2, "still waiting, any news?", handle="bob", conversation="c1", reply_to="1")
        noise_reply = mention(3, "nice bike", handle="eve", conversation="c9", reply_to="9")
        # Another process stores the later batch first (or the root's batch is claimed late from a dead one).
        assert [r.outcome for r in await w.core.pipeline.ingest([reply, noise_reply])] == ["dropped", "dropped"]
        [opened] = await w.core.pipeline.ingest([root])
        async with w.db.sessions() as s:
            joined = dict((await s.execute(select(t.Mention.external_id, t.Mention.case_id))).all())
            waiting = (await s.execute(select(t.HeldReply.conversation_key))).scalars().all()
        assert joined == {"1": opened.case_id, "2": opened.case_id}
        assert waiting == [noise_reply.conversation_key]  # until a root comes, or it is pruned
        assert [r.outcome for r in await w.core.pipeline.ingest([reply])] == ["duplicate"]
    finally:
        await w.db.close()


def test_config_check_refuses_several_processes_on_sqlite(tmp_path, monkeypatch):
    from bot.app.cli import app as cli

    (tmp_path / "rejoinder.yaml").write_text(
        "version: 1\norganisation: {name: Acme}\nteams: [{name: support, channel: '#support'}]\n"
        "routes: [{name: all, team: support, match: {keyword: help}}]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REJOINDER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    result = CliRunner().invoke(cli, ["config", "check", "--config", "rejoinder.yaml"])
    assert result.exit_code == 1 and "SQLite, which only one process can use" in result.output
    monkeypatch.delenv("REDIS_URL")
    result = CliRunner().invoke(cli, ["config", "check", "--config", "rejoinder.yaml", "--role", "pipeline"])
    assert result.exit_code == 1 and "--role pipeline" in result.output and "REDIS_URL" in result.output
    assert CliRunner().invoke(cli, ["config", "check", "--config", "rejoinder.yaml"]).exit_code == 0
    result = CliRunner().invoke(cli, ["run", "--config", "rejoinder.yaml", "--role", "pipeline"])
    assert result.exit_code == 1 and "SQLite" in result.output and not (tmp_path / "r.db").exists()


async def test_status_shows_processes_leases_stream_outbox_and_dead_letters(postgres_url, redis_url, tmp_path,
                                                                           monkeypatch):
    import json

    from bot.app.cli import app as cli
    from bot.cluster.heartbeat import Heartbeat
    from bot.intake.consumer import add_dead_letter

    w = await make_world(postgres_url, tmp_path)
    bus = RedisStreamsBus(redis_url, prefix="st1", consumer="c1")
    try:
        await Heartbeat(w.db, w.clock, {"pipeline", "workers"}).beat()
        assert await Leases(w.db, holder="me").acquire("source:feed") == 1
        await w.core.pipeline.ingest([mention(1, "@acme my order is broken")])  # queues a card and a thread line
        async with w.db.transaction() as s:
            await add_dead_letter(s, {"source": "feed", "mention": {"x": 1}}, "ValueError: year 0 is out of range",
                                  w.clock)
        await bus.publish_many("mentions", [{"i": i} for i in range(3)])
        await bus._ensure_group("st1:mentions", "pipeline")
    finally:
        await bus.close()
        await w.db.close()
    monkeypatch.setenv("REJOINDER_DATABASE_URL", postgres_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REJOINDER_STREAM_PREFIX", "st1")
    # The command runs its own event loop: in a thread, as from a terminal.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["roles"] for p in data["processes"]] == ["pipeline,workers"]
    assert [(lease["name"], lease["holder"]) for lease in data["leases"]] == [("source:feed", "me")]
    assert data["stream"]["groups"][0]["lag"] == 3 and data["stream"]["groups"][0]["pending"] == 0
    assert data["outbox"]["chat.post"]["depth"] == 1
    assert data["dead_letters"]["waiting"] == 1 and "year 0" in data["dead_letters"]["latest"][0]["reason"]
    text = await asyncio.to_thread(CliRunner().invoke, cli, ["status"])
    assert text.exit_code == 0 and "source:feed" in text.output and "dead letters waiting: 1" in text.output
