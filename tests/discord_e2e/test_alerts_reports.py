"""Alerts, reports and charts reach a team's Discord channel from the running
app: an SLA breach that pings the approver it names, a spike alert posted
once with its chart in its thread and then edited in place, a report whose
lost answer is looked for before anything is posted again, and the chart of
`/rejoinder stats`."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.insights.reports.service import Reports
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.types import Author, Mention
from tests.discord_e2e.world import DANA, MARKER, SAM, SUPPORT, WORKSPACE, mention
from tests.slack_e2e.world import Settled

ALERTING = WORKSPACE.replace("incidents: {threshold: 25, window: 10m, routes: [support]}", f"""incidents: {{threshold: 25, window: 10m, routes: [support]}}
sla:
  first_response: {{normal: 2h}}
  escalation: {{notify: ['{DANA}']}}
spikes: {{window: 15m, sustain: 10m, min_count: 6, floor: 1}}""")


@pytest.fixture
async def world(make_world, sqlite_url):
    world = await make_world(sqlite_url, workspace=ALERTING)
    world.app.chat_worker.base_delay = 0.05  # a retry after a lost answer comes at once
    return world


def posted(emu, contains: str, channel: str = SUPPORT) -> list[dict]:
    return [m for m in emu.messages.get(channel, []) if contains in m["content"] and m["author"]["id"] == emu.bot_id]


def files_under(emu, message: dict) -> Counter:
    return Counter(a["filename"] for m in emu.messages.get(message["id"], []) for a in m["attachments"])


async def test_sla_breach_pings_only_the_approver_it_names(world, emu):
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    await world.card(result.case_id)
    async with world.app.db.transaction() as s:  # opened three hours ago: past the 2 h target
        await s.execute(update(t.Case).values(opened_at=datetime.now(UTC) - timedelta(hours=3)))
    assert await world.app.insights.sla.scan() == 1
    world.app.chat_worker.poke()
    await emu.wait_until(lambda: posted(emu, "SLA breached"), what="the SLA breach in #support")
    [breach] = posted(emu, "SLA breached")
    call = next(c for c in emu.calls_of("message.create") if c.response.get("id") == breach["id"])
    assert f"<@{DANA}>" in breach["content"] and MARKER.search(breach["content"])  # its key, invisible
    assert call.args["allowed_mentions"] == {"parse": [], "users": [int(DANA)]}  # Dana, and nobody else
    assert await world.app.insights.sla.scan() == 0


async def test_spike_alert_with_its_chart_edited_in_place(world, emu):
    now = datetime.now(UTC)
    burst = [Mention(network="x", external_id=f"b{i}", text=f"@acme outage, checkout broken again {i}",
                     author=Author(handle=f"rider{i}"), created_at=now - timedelta(minutes=26 - i)) for i in range(25)]
    await world.ingest(*burst)
    await world.app.insights.spikes.scan()  # the app's own tick may have found it first: either queues it once
    world.app.chat_worker.poke()
    await emu.wait_until(lambda: posted(emu, "Spike on route support") and any(
        files_under(emu, m) for m in posted(emu, "Spike on route support")), 15, "the alert and its chart")
    [alert] = posted(emu, "Spike on route support")
    [chart] = [emu.attachments[a["id"]] for m in emu.messages[alert["id"]] for a in m["attachments"]]
    assert chart["data"][:4] == b"\x89PNG" and chart["filename"].endswith(".png")
    first = alert["content"]

    await world.ingest(Mention(network="x", external_id="late", text="@acme outage still, order broken",
                               author=Author(handle="late"), created_at=now - timedelta(minutes=7)))
    await world.app.insights.spikes.scan()
    world.app.chat_worker.poke()
    await emu.wait_until(lambda: posted(emu, "Spike on route support")[0]["content"] != first, 15, "the edit")
    assert len(posted(emu, "Spike on route support")) == 1  # edited, not reposted
    edited = posted(emu, "Spike on route support")[0]["content"]
    assert MARKER.search(edited) and MARKER.search(edited).group(0) == MARKER.search(first).group(0)  # still findable


async def queue_report(world, name: str = "weekly") -> str:
    """A report row as the schedule writes it, for the week the burst below falls in."""
    now = datetime.now(UTC)
    since, until = Reports.period("weekly", now)
    key = f"report:{name}:{since:%Y%m%d}"
    async with world.app.db.transaction() as s:
        enqueue(s, "chat.report", key, now, payload={"name": name, "team": "support", "zone": "UTC",
                                                    "since": since.isoformat(), "until": until.isoformat()})
    world.app.chat_worker.poke()
    return key


async def last_week(world):
    since, _until = Reports.period("weekly", datetime.now(UTC))
    await world.ingest(*[Mention(network="x", external_id=f"w{i}", text=f"@acme my order {i} is late",
                                 author=Author(handle=f"p{i % 3}"), created_at=since + timedelta(hours=30 + i))
                         for i in range(6)])


@pytest.mark.parametrize("lost", ["headline", "file"])
async def test_a_report_whose_answer_was_lost_is_posted_once(world, emu, lost):
    await last_week(world)
    has_file = (lambda args: bool(args.get("_files"))) if lost == "file" else (
        lambda args: "Weekly report" in (args.get("content") or "") and not args.get("_files"))
    emu.drop_response_next("message.create", when=has_file)  # Discord takes it; the app never hears back
    settled = Settled(world.app.chat_worker)
    key = await queue_report(world)
    await world.handled.wait("chat.report", None, timeout=90)  # two builds with charts, on a busy machine too
    [row] = await world.rows(t.Outbox, t.Outbox.idempotency_key == key)
    await settled.wait(row.id, timeout=30)
    [head] = posted(emu, "Weekly report (")
    names = files_under(emu, head)
    assert names["report.html"] == 1 and names["volume_network.png"] == 1 and set(names.values()) == {1}
    [row] = await world.rows(t.Outbox, t.Outbox.idempotency_key == key)
    assert row.attempts == 2 and row.result["files_found"] == (1 if lost == "file" else 0)
    assert len(names) == row.result["charts"] + 1
    html = next(emu.attachments[a["id"]] for m in emu.messages[head["id"]] for a in m["attachments"]
                if a["filename"] == "report.html")
    assert b"Mentions by network" in html["data"]


def stats_charts(emu) -> list[dict]:
    return [a for m in emu.messages[SUPPORT] for a in m["attachments"] if a["filename"].startswith("stats-")]


async def test_stats_chart_is_posted_once_in_the_channel_even_when_its_answer_is_lost(world, emu):
    await world.ingest(mention(1, "@acme my order is late"), mention(2, "@acme order broken", handle="bo"))
    emu.drop_response_next("message.create", when=lambda args: bool(args.get("_files")))
    answer = await emu.answered(await emu.slash(SAM, SUPPORT, "stats"), "SLA breached")
    assert "chart posted in this channel" in answer["content"]
    await world.handled.wait("chat.file", None, timeout=30)  # the retry, which found the chart there
    [chart] = stats_charts(emu)
    assert emu.attachments[chart["id"]]["data"][:4] == b"\x89PNG" and chart["description"].startswith("Stats for")
    [row] = await world.rows(t.Outbox, t.Outbox.kind == "chat.file")
    assert row.attempts == 2


async def test_a_spike_chart_that_failed_is_posted_on_the_retry_once(world, emu):
    now = datetime.now(UTC)
    emu.fail_next("message.create", status=400, when=lambda args: bool(args.get("_files")))  # refused, not posted
    await world.ingest(*[Mention(network="x", external_id=f"b{i}", text=f"@acme outage, checkout broken again {i}",
                                 author=Author(handle=f"rider{i}"), created_at=now - timedelta(minutes=26 - i))
                         for i in range(25)])
    await world.app.insights.spikes.scan()
    world.app.chat_worker.poke()
    await emu.wait_until(lambda: posted(emu, "Spike on route support") and any(
        files_under(emu, m) for m in posted(emu, "Spike on route support")), 30, "the alert and its chart")
    [alert] = posted(emu, "Spike on route support")
    await world.handled.wait("chat.spike", None, timeout=30)
    assert files_under(emu, alert) == Counter({"spike-1.png": 1})
    assert [c.status for c in emu.calls_of("message.create", ok=False) if c.args.get("_files")] == [400, 200]


async def test_stats_for_a_team_and_period_and_the_advocates(world, emu):
    await world.ingest(mention(1, "@acme my order is late"),
                       mention(2, "@acme love the new bike, great help with my order, thanks!", handle="fan"),
                       mention(3, "@acme great help again with the order, love it", handle="fan"))
    answer = await emu.answered(await emu.slash(SAM, SUPPORT, "stats", scope="support 7d"), "Stats for")
    assert answer["content"].startswith("Stats for team support, last 7d:")
    bad = await emu.answered(await emu.slash(SAM, SUPPORT, "stats", scope="yesterday"), "neither a team")
    assert "Usage: stats [team" in bad["content"]  # Discord markdown escaped: [team\\|route]
    board = await emu.answered(await emu.slash(SAM, SUPPORT, "advocates"), "Advocates")
    assert "@fan" in board["content"] and "@maria" not in board["content"]
    history = await emu.answered(await emu.slash(SAM, SUPPORT, "advocates", who="@fan"), "latest posts")
    assert "love the new bike" in history["content"]
