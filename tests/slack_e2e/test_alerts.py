"""SLA and spike alerts reach the team's Slack channel from the running app:
an SLA warning in the channel and the case's thread, a spike alert posted
once with its chart uploaded under it, then edited in place."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from bot.store import tables as t
from bot.types import Author, Mention
from tests.slack_e2e.world import DANA, SUPPORT, WORKSPACE, mention

ALERTING = WORKSPACE.replace("incidents: {threshold: 25, window: 10m, routes: [support]}", f"""incidents: {{threshold: 25, window: 10m, routes: [support]}}
sla:
  first_response: {{normal: 2h}}
  escalation: {{notify: [{DANA}]}}
spikes: {{window: 15m, sustain: 10m, min_count: 6, floor: 1}}""")


@pytest.fixture
async def world(make_world, sqlite_url):
    return await make_world(sqlite_url, workspace=ALERTING)


def posted(emu, contains: str) -> list[dict]:
    return [m for m in emu.messages[SUPPORT] if contains in (m.get("text") or "")]


async def test_sla_warning_reaches_channel_and_thread_once(world, emu):
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    card = await world.card(result.case_id)
    async with world.app.db.transaction() as s:  # opened 100 minutes ago: 83 % of the 2 h target
        await s.execute(update(t.Case).values(opened_at=datetime.now(timezone.utc) - timedelta(minutes=100)))
    assert await world.app.insights.sla.scan() == 1
    world.app.chat_worker.poke()
    await emu.wait_until(lambda: posted(emu, "SLA warning") and len(posted(emu, "SLA warning")) == 2, what="SLA warning")
    channel_line = next(m for m in posted(emu, "SLA warning") if not m.get("thread_ts"))
    assert channel_line["metadata"]["event_payload"]["key"] == f"sla:{result.case_id}:first_response:warn:channel"
    assert any(line.startswith("SLA warning") for line in world.thread(card))
    assert await world.app.insights.sla.scan() == 0


async def test_spike_alert_with_chart_edited_in_place(world, emu):
    now = datetime.now(timezone.utc)
    burst = [Mention(network="x", external_id=f"b{i}", text=f"@acme outage, checkout broken again {i}",
                     author=Author(handle=f"rider{i}"), created_at=now - timedelta(minutes=26 - i)) for i in range(25)]
    await world.ingest(*burst)
    await world.app.insights.spikes.scan()
    world.app.chat_worker.poke()
    await emu.wait_for_call("files.completeUploadExternal", timeout=15)
    [alert] = posted(emu, "Spike on route support")
    chart = next(iter(emu.files.values()))
    assert chart["data"][:4] == b"\x89PNG" and chart["shared"] == (SUPPORT, chart["shared"][1])
    assert emu.messages[SUPPORT][-1].get("thread_ts") == alert["ts"]  # the chart sits under the alert

    await world.ingest(Mention(network="x", external_id="late", text="@acme outage still, order broken",
                               author=Author(handle="late"), created_at=now - timedelta(minutes=7)))
    await world.app.insights.spikes.scan()
    world.app.chat_worker.poke()
    await emu.wait_for_call("chat.update", predicate=lambda c: c.args.get("ts") == alert["ts"], timeout=15)
    assert len([m for m in emu.messages[SUPPORT] if "on route support" in (m.get("text") or "")]) == 1
