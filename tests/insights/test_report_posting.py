"""A scheduled report is an outbox row with a key. When Slack took a part of
it but the answer was lost (the headline, or a file upload), the retry looks
first (the headline by its key, the files by name in its thread) and posts
only what is missing: one headline, each file once."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.store import tables as t
from integrations.chat.slack.platform import SlackPlatform
from tests.core.harness import WORKSPACE, make_world, mention
from tests.emulators.slack import SlackEmulator
from tests.slack.conftest import CARE, StandInCore

ON_SLACK = WORKSPACE.replace('{name: sales, channel: "#sales"}', '{name: sales, channel: "#care", platform: slack}') + """
reports:
  - {name: weekly, every: weekly, team: sales}
"""


@pytest.fixture
async def emu():
    emulator = await SlackEmulator().start()
    emulator.add_channel(CARE, "care")
    yield emulator
    await emulator.close()


async def reporting_world(emu, url, tmp_path):
    w = await make_world(url, tmp_path, ON_SLACK)
    await w.ingest(mention(1, "@acme my order is broken"), mention(2, "@acme a quote for pricing", handle="bo"),
                   mention(3, "@acme love it, great help, thanks", handle="fan", minutes=3),
                   mention(4, "@acme great help again, love it", handle="fan", minutes=9))
    slack = SlackPlatform(emu.bot_token, emu.app_token, None, api_base_url=emu.api_url, ping_interval=3)
    await slack.start(StandInCore(home_team=emu.team_id).handlers())
    app = App(w.app.ws, w.db, w.core, {"console": w.chat, "slack": slack}, [], {}, InProcessBus(), w.clock)
    app.chat_worker.base_delay = 1
    w.clock.advance(timedelta(days=3))  # Monday 23 Nov: last week's report is due
    assert await app.insights.reports.schedule() == 1
    return w, app, slack


def shared_names(emu) -> Counter:
    return Counter(f["name"] for m in emu.messages[CARE] for f in m.get("files") or [])


@pytest.mark.parametrize("lost", ["chat.postMessage", "files.completeUploadExternal"])
async def test_a_report_whose_answer_was_lost_is_posted_once(emu, sqlite_url, tmp_path, lost):
    w, app, slack = await reporting_world(emu, sqlite_url, tmp_path)
    try:
        emu.drop_response_next(lost)  # Slack takes it; the app never hears back
        await app.chat_worker.run_due()
        async with w.db.sessions() as s:
            row = (await s.execute(select(t.Outbox).where(t.Outbox.kind == "chat.report"))).scalar_one()
        assert row.status == "uncertain"
        w.clock.advance(timedelta(seconds=30))
        assert await app.chat_worker.run_due() == 1
        async with w.db.sessions() as s:
            row = (await s.execute(select(t.Outbox).where(t.Outbox.kind == "chat.report"))).scalar_one()
        assert row.status == "sent", row.last_error
        heads = [m for m in emu.messages[CARE] if "Weekly report" in (m.get("text") or "") and not m.get("files")]
        assert len(heads) == 1
        assert heads[0]["metadata"]["event_payload"] == {"key": "report:weekly:20261116:head"}
        names = shared_names(emu)
        assert names["report.html"] == 1 and names["volume_network.png"] == 1 and set(names.values()) == {1}
        assert len(names) == row.result["charts"] + 1  # the page and every chart, each once
        under = {m.get("thread_ts") for m in emu.messages[CARE] if m.get("files")}
        assert under == {heads[0]["ts"]}  # all in the headline's thread
        found = 1 if lost == "files.completeUploadExternal" else 0
        assert row.result["files_found"] == found and row.result["files_posted"] == len(names) - found
    finally:
        await slack.stop()
        await w.db.close()


async def test_a_report_sent_at_the_first_try_looks_for_nothing(emu, sqlite_url, tmp_path):
    w, app, slack = await reporting_world(emu, sqlite_url, tmp_path)
    try:
        await app.chat_worker.run_due()
        assert emu.calls_of("conversations.history") == [] and emu.calls_of("conversations.replies") == []
        assert set(shared_names(emu).values()) == {1}
    finally:
        await slack.stop()
        await w.db.close()


async def test_slack_finds_its_own_files_in_a_channel_and_a_thread(emu):
    slack = SlackPlatform(emu.bot_token, emu.app_token, None, api_base_url=emu.api_url, ping_interval=3)
    await slack.start(StandInCore(home_team=emu.team_id).handlers())
    try:
        png = b"\x89PNG\r\n\x1a\n" + bytes(200)
        assert await slack.files_in_channel("#care") == set()
        head = await slack.post_message("#care", "Weekly report", key="report:x:head")
        await slack.post_file(CARE, png, "stats-1a2b.png", "Stats")
        await slack.post_file(CARE, png, "volume_route.png", "volume route", thread=head)
        assert await slack.files_in_channel("#care") == {"stats-1a2b.png"}  # the channel's own, not the thread's
        assert await slack.files_in_thread(head) == {"volume_route.png"}
        assert await slack.find_message("#care", "report:x:head") == head
    finally:
        await slack.stop()
