"""Three real `rejoinder run` processes on PostgreSQL and Redis, one of them
killed (SIGKILL) at random moments and started again, again and again, while
a replayed feed is ingested and approved replies are published.

Nothing may be lost and nothing doubled: every post that matters stored,
one case per conversation, one card per case, each thread line once, each
public reply once, and every approval that was acknowledged carried out.
The first run has the full counts (20,000 mentions, 300 approvals, at least
20 kills); REJOINDER_CLUSTER_SCALE below 1 runs a share of them."""
from __future__ import annotations

import asyncio
import io
import random
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select

from bot.app.root import App
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from bot.ports import Command
from bot.store import tables as t
from bot.types import ChatUser
from integrations.chat.console import ConsolePlatform
from integrations.social.replay import read_replies
from tests.cluster.feed import write_feed
from tests.cluster.harness import (TOPOLOGY, Cluster, count, describe, open_outbox, quick_commits, scale,
                                   wait_for)
from tests.cluster.node import read_log

# Three real processes killed again and again: minutes of wall time (see harness.scale).
# Starting and stopping processes while they publish is about stops landing mid-flight, not volume:
# that run keeps a tenth of the counts, so the suite stays within CI's time limit.
STOP_SCALE = 0.1

SAM, DANA = ChatUser("sam", "Sam"), ChatUser("dana", "Dana")
# Real processes on a shared machine: more than the default per-test limit.
pytestmark = pytest.mark.timeout(900)


async def approver(folder: Path, database_url: str) -> App:
    """The core's command path, as a chat click reaches it, on the cluster's database."""
    settings = Settings(database_url=database_url)
    ws = load_workspace(folder / "rejoinder.yaml")
    app = await App.create(settings, ws, folder, platforms={"console": ConsolePlatform(Console(file=io.StringIO()))})
    await quick_commits(app.db)
    return app


async def approve_cases(app: App, wanted: int, approved: list[tuple[int, str]]) -> None:
    """Draft and approve the first `wanted` cases as they appear; `approved`
    gets (case id, root post id) for every approval acknowledged as done."""
    done: set[int] = set()
    while len(approved) < wanted:
        async with app.db.sessions() as s:
            rows = (await s.execute(select(t.Case.id, t.Case.conversation_key).order_by(t.Case.id).limit(wanted))).all()
        for case_id, key in rows:
            if case_id in done:
                continue
            drafted = await app.dispatcher.run(Command("draft", "", SAM, case_id=case_id))
            result = await app.dispatcher.run(Command("approve", "", DANA, case_id=case_id))
            assert drafted.ok and result.ok, (drafted.text, result.text)
            done.add(case_id)
            approved.append((case_id, key.split(":", 1)[1]))
        await asyncio.sleep(0.05)


async def check_nothing_lost_or_doubled(db, folder: Path, feed, approved: list[tuple[int, str]]) -> None:
    async with db.sessions() as s:
        stored = list((await s.execute(select(t.Mention.external_id))).scalars())
        per_conversation = (await s.execute(select(t.Case.conversation_key, func.count())
                                            .group_by(t.Case.conversation_key))).all()
        cases = (await s.execute(select(t.Case.id))).scalars().all()
        case_of = dict((await s.execute(select(t.Mention.external_id, t.Mention.case_id))).all())
        letters = (await s.execute(select(func.count()).select_from(t.DeadLetter))).scalar_one()
    assert letters == 0
    assert len(stored) == len(set(stored))
    assert set(stored) == feed.expected, f"lost: {len(feed.expected - set(stored))}, extra: {len(set(stored) - feed.expected)}"
    assert len(per_conversation) == len(feed.roots) and all(n == 1 for _, n in per_conversation)
    log = read_log(str(folder / "chat.jsonl"))
    cards = Counter(r["case"] for r in log if r["kind"] == "card")
    assert set(cards) == set(cases) and max(cards.values()) == 1, cards.most_common(3)
    lines = Counter(r["key"] for r in log if r["kind"] == "line")
    assert lines and max(lines.values()) == 1, lines.most_common(3)
    replies = read_replies(folder / "out.jsonl")
    keys = Counter(r["idempotency_key"] for r in replies)
    assert max(keys.values()) == 1 and len(replies) == len(approved)
    # Each approved case answered once (a reply goes to the case's latest post).
    assert Counter(case_of[r["in_reply_to"]] for r in replies) == Counter(case_id for case_id, _ in approved)


async def test_three_processes_one_killed_again_and_again_lose_and_double_nothing(postgres_url, redis_url, tmp_path):
    feed = write_feed(tmp_path, int(20_000 * scale()))
    wanted = max(int(300 * scale()), 10)
    cluster = Cluster(tmp_path, postgres_url, redis_url)
    rng = random.Random(8)
    app = await approver(tmp_path, postgres_url)  # migrates the fresh database
    kills = 0
    try:
        for name, role in TOPOLOGY.items():
            cluster.start(name, role)
        approved: list[tuple[int, str]] = []
        approving = asyncio.create_task(approve_cases(app, wanted, approved))

        async def settled() -> bool:
            return (approving.done() and await count(app.db, select(func.count()).select_from(t.Mention)) == len(feed.expected)
                    and await open_outbox(app.db) == 0 and len(read_replies(tmp_path / "out.jsonl")) >= wanted)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 600
        while not await settled():
            if approving.done():
                approving.result()  # raise a failed approval here
            assert loop.time() < deadline, "the cluster did not finish\n" + await describe(app.db) + cluster.logs()
            if kills < 6 + 20 * scale():
                await asyncio.sleep(rng.uniform(0.2, 1.5))  # a random moment, not a wait for anything
                victim = rng.choice("abc")
                cluster.kill(victim)
                kills += 1
                cluster.restart(victim)
            else:
                await wait_for(settled, 300, "the cluster to finish after the last kill", cluster, app.db)
        assert kills >= 6
        for name in "abc":  # a process killed last may still be starting
            pid = cluster.procs[name][0].pid
            await wait_for(lambda: _running(app, pid), 120, f"process {name} to start", cluster)
        assert [await cluster.stop(name) for name in "abc"] == [0, 0, 0]  # SIGTERM: a clean exit
        await check_nothing_lost_or_doubled(app.db, tmp_path, feed, approved)
    finally:
        cluster.close()
        await app.close()


async def test_processes_started_and_stopped_while_others_publish_send_each_reply_once(postgres_url, redis_url,
                                                                                     tmp_path):
    share = min(scale(), STOP_SCALE)
    feed = write_feed(tmp_path, int(4_000 * share) + 200)
    wanted = max(int(300 * share), 10)
    # Each reply takes a while, so stops and starts land while rows are in flight.
    cluster = Cluster(tmp_path, postgres_url, redis_url, extra_env={"REJOINDER_TEST_PUBLISH_DELAY": "0.05"})
    app = await approver(tmp_path, postgres_url)
    try:
        for name in ("a", "b"):
            cluster.start(name)
        await wait_for(lambda: _stored(app, len(feed.expected)), 300, "the feed to be stored", cluster, app.db)
        approved: list[tuple[int, str]] = []
        approving = asyncio.create_task(approve_cases(app, wanted, approved))  # approvals arrive meanwhile
        rounds = 0
        while (rounds < 6 or not approving.done() or len(read_replies(tmp_path / "out.jsonl")) < wanted
               or await open_outbox(app.db)):
            if approving.done():
                approving.result()
            name = "abc"[rounds % 3]
            proc = cluster.procs[name][0] if name in cluster.procs else None
            if proc is not None and proc.poll() is None:
                if await _running(app, proc.pid):  # started up (a SIGTERM while importing just ends it)
                    assert await cluster.stop(name) == 0
            else:
                cluster.start(name)
            rounds += 1
            assert rounds < 400, "replies were not all published\n" + await describe(app.db) + cluster.logs()
            await asyncio.sleep(0.3)  # let the others publish a little between changes
        for name, (proc, _role) in list(cluster.procs.items()):
            if proc.poll() is None:  # one started in the last round may still be importing: a SIGTERM then just ends it
                await wait_for(lambda: _running(app, proc.pid), 120, f"process {name} to start", cluster)
                assert await cluster.stop(name) == 0
        await check_nothing_lost_or_doubled(app.db, tmp_path, feed, approved)
    finally:
        cluster.close()
        await app.close()


async def _running(app: App, pid: int) -> bool:
    """The process has written its heartbeat: it is past start-up and handles SIGTERM."""
    return await count(app.db, select(func.count()).select_from(t.Process).where(t.Process.pid == pid)) > 0


async def _stored(app: App, n: int) -> bool:
    return await count(app.db, select(func.count()).select_from(t.Mention)) == n
