"""Crisis mode drafts the holding reply by itself: a case opened on a route
in crisis, or one a new post joins, gets the team's holding reply through
draft → guard → approve with two approvers, once per case, also through a
restart, a re-delivered post and two processes scanning at once."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.app.root import App
from bot.insights.holding import HoldingReplies
from bot.intake.bus import InProcessBus
from bot.store import tables as t
from tests.core.harness import ALEX, DANA, LEE, SAM, make_world, mention
from tests.insights.test_skills import CRISIS


async def drafts_of(w, case_id: int) -> list[t.Draft]:
    async with w.db.sessions() as s:
        return list((await s.execute(select(t.Draft).where(t.Draft.case_id == case_id).order_by(t.Draft.id))).scalars())


async def until(check, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_holding_reply_is_drafted_as_the_post_comes_in_and_needs_two_approvers(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, CRISIS)
    await w.run(ALEX, "crisis", args="support on")
    runner = asyncio.create_task(w.app.insights.run_forever(w.app.chat_worker.poke, every=3600))
    try:
        await w.core.pipeline.ingest([mention(1, "@acme the app is down, my order is broken")])
        w.app.poke()  # what the pipeline does after each stored batch
        drafts = await until(lambda: drafts_of(w, 1), "the holding reply")
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    await w.drain()
    assert [(d.author, d.source) for d in drafts] == [("rejoinder", "template:crisis")]
    assert drafts[0].text.startswith("We know the app is down") and not drafts[0].blocked
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
    assert case.team == "pr" and case.stage == "awaiting_approval"
    notices = [(ref.channel, text) for ref, text in w.chat.messages.values() if "holding reply for case #1" in text]
    assert notices == [("#pr", ("Crisis on route support: the holding reply for case #1 is drafted and needs "
                                 "2 approvals (`approve 1`)."))]
    assert (await w.run(DANA, "approve", 1)).ok and not w.published()  # one approval is not enough in a crisis
    assert (await w.run(LEE, "approve", 1)).ok
    assert [r["text"] for r in w.published()] == [drafts[0].text]
    await w.db.close()


async def test_once_per_case_through_redelivery_restart_and_two_processes(database_url, tmp_path):
    w = await make_world(database_url, tmp_path, CRISIS)
    await w.run(ALEX, "crisis", args="support on")
    first = mention(1, "@acme the app is down, my order is broken")
    await w.ingest(first)
    scans = [HoldingReplies(w.core), HoldingReplies(w.core)]  # two processes looking at once
    assert sum(await asyncio.gather(*(h.scan() for h in scans))) == 1
    await w.ingest(first)  # the bus delivers the same post again
    again = App(w.app.ws, w.db, w.core, {"console": w.chat}, [], {}, InProcessBus(), w.clock)  # a restart
    assert await again.insights.holding.scan() == 0
    assert len(await drafts_of(w, 1)) == 1
    async with w.db.sessions() as s:
        keys = list((await s.execute(select(t.Outbox.idempotency_key).where(
            t.Outbox.idempotency_key.like("crisis:holding:%")))).scalars())
    assert keys == ["crisis:holding:1"]
    await w.db.close()


async def test_a_post_joining_an_older_case_brings_it_into_the_crisis(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, CRISIS)
    await w.ingest(mention(1, "@acme my order is broken", handle="ana"),
                   mention(2, "@acme where is my order, it is broken", handle="cy", minutes=2))
    await w.run(SAM, "edit", 2, "Sorry Cy, checking your order now.")  # a person's reply is up for approval
    w.clock.advance(timedelta(minutes=10))
    await w.run(ALEX, "crisis", args="support on")
    assert await w.app.insights.holding.scan() == 0  # nothing new was posted: no case joins the crisis
    w.clock.advance(timedelta(minutes=1))
    await w.ingest(mention(4, "@acme still broken!", handle="ana", conversation="1", reply_to="1", minutes=12),
                   mention(5, "@acme and now the app is down too", handle="cy", conversation="2", reply_to="2",
                           minutes=12))
    assert await w.app.insights.holding.scan() == 1
    assert [d.source for d in await drafts_of(w, 1)] == ["template:crisis"]
    assert [d.source for d in await drafts_of(w, 2)] == ["human"]  # people lead where a reply is already up
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
        assert case.team == "support" and "crisis" in case.labels and case.stage == "awaiting_approval"
        count = (await s.execute(select(func.count()).select_from(t.Draft))).scalar_one()
    assert count == 2
    assert (await w.run(DANA, "approve", 1)).ok and not w.published()  # two approvers now, like any crisis case
    await w.run(ALEX, "crisis", args="support off")
    w.clock.advance(timedelta(minutes=30))
    await w.ingest(mention(6, "@acme my order is broken again", handle="di", minutes=45))
    assert await w.app.insights.holding.scan() == 0  # out of crisis: nothing drafted
    await w.db.close()
