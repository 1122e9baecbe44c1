"""The insight skills through the core dispatcher, roles checked there:
stats with a chart, advocates and their history, thank through draft →
guard → approve, crisis mode with its holding reply and two approvers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ports import Command
from bot.store import tables as t
from tests.core.harness import ALEX, DANA, LEE, PAT, SAM, WORKSPACE, make_world, mention

CRISIS = WORKSPACE.replace('{name: sales, channel: "#sales"}', '''{name: sales, channel: "#sales"}
  - name: pr
    channel: "#pr"
    crisis: {holding_reply: "We know about the problem and are on it; updates here within the hour."}''').replace(
    '  - {name: support, channel: "#support"}', '''  - name: support
    channel: "#support"
    crisis: {holding_reply: "We know the app is down and are fixing it; updates here within the hour.", team: pr}''')


async def test_stats_by_team_and_route_with_a_chart(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    await w.ingest(mention(1, "@acme my order is broken"), mention(2, "@acme a quote for pricing", handle="bo"))
    w.clock.advance(timedelta(minutes=5))
    result = await w.app.dispatcher.run(Command("stats", "support 24h", SAM, channel="#support"))
    await w.drain()
    assert result.ok and result.text.startswith("Stats for team support, last 24h:")
    assert "mentions: 1 (x 1)" in result.text and "cases: 1 · SLA breached: 0" in result.text
    assert "routed: support 1" in result.text and "stages: new 1" in result.text
    assert w.chat.files and w.chat.files[-1][0] == "#support" and w.chat.files[-1][1].read_bytes()[:4] == b"\x89PNG"
    by_route = await w.run(SAM, "stats", args="route:sales 7d")
    assert "route sales, last 7d" in by_route.text and "mentions: 1" in by_route.text
    bad = await w.run(SAM, "stats", args="yesterday")
    assert not bad.ok and "neither a team, a route nor a period" in bad.text
    assert not (await w.run(PAT, "stats")).ok  # partners see no workspace figures
    await w.db.close()


async def test_advocates_leaderboard_history_label_and_thanks(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    await w.ingest(mention(1, "@acme love the new bike, amazing help from support!", handle="fan", followers=20000),
                   mention(2, "@acme great help again, thank you so much, love it", handle="fan", followers=20000,
                           minutes=30),
                   mention(3, "@acme awesome, love it, great help", handle="quiet", followers=10, minutes=31),
                   mention(4, "@acme thanks, great help with my order, wonderful", handle="quiet", followers=10, minutes=32),
                   mention(5, "@acme my order is broken, this is awful", handle="grump", minutes=33))
    board = await w.run(SAM, "advocates")
    assert board.text.index("@fan") < board.text.index("@quiet") and "@grump" not in board.text
    history = await w.run(SAM, "advocates", args="@fan")
    assert history.text.count("\n") == 2 and "love the new bike" in history.text
    card = await w.core.card_for(2, SAM)
    assert "advocate" in card.labels and "thank" in card.actions  # a button where the platform draws them
    assert "advocate" not in (await w.core.card_for(5, SAM)).labels
    drafted = await w.run(SAM, "thank", 2)
    assert drafted.ok and drafted.text.startswith("Sam redrafted: v1")  # the drafter got the thank-you instruction
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 2)
    assert case.stage == "awaiting_approval"  # the normal path: an approver still decides
    assert (await w.run(DANA, "approve", 2)).ok and w.published()
    assert not (await w.run(PAT, "thank", 2)).ok
    await w.db.close()


async def test_crisis_mode_routes_to_pr_with_holding_reply_and_two_approvers(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, CRISIS)
    refused = await w.run(SAM, "crisis", args="support on")
    assert not refused.ok and "needs the role admin" in refused.text
    on = await w.run(ALEX, "crisis", args="support on")
    assert "crisis mode" in on.text and "go to pr" in on.text
    await w.ingest(mention(1, "@acme the app is down, my order is broken"))
    async with w.db.sessions() as s:
        case = await s.get(t.Case, 1)
    assert case.team == "pr" and "crisis" in case.labels and case.priority == "urgent"
    assert (await w.run(SAM, "holding", 1)).ok
    assert (await w.run(DANA, "approve", 1)).ok and not w.published()  # one approval is not enough in a crisis
    assert (await w.run(LEE, "approve", 1)).ok and "We know the app is down" in w.published()[0]["text"]
    # The switch survives a restart: a fresh core reads it back.
    from bot.insights.crisis import CrisisSwitch
    again = CrisisSwitch(w.core.ws)
    await again.load(w.db)
    assert again.on == {"support"}
    await w.run(ALEX, "crisis", args="support off")
    await w.ingest(mention(2, "@acme my order is broken", handle="lu"))
    async with w.db.sessions() as s:
        assert (await s.get(t.Case, 2)).team == "support"
        modes = list((await s.execute(select(t.CrisisMode))).scalars())
    assert [(m.route, m.on, m.by) for m in modes] == [("support", False, "alex")]
    await w.db.close()
