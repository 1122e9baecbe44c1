"""The Socket Mode link drops or goes dead, and Slack rate-limits: the app
reconnects by itself, later clicks still work, and no card is lost or doubled."""
from __future__ import annotations

from bot.store import tables as t
from tests.slack_e2e.world import DANA, SAM, SUPPORT, case_of, mention


async def test_after_a_disconnect_and_a_dead_link_clicks_still_work(make_world, sqlite_url, emu):
    world = await make_world(sqlite_url, ping_interval=1)  # short, so a dead link is noticed fast
    [result] = await world.ingest(mention(1, "@acme my order never arrived, can you help?"))
    card = await world.card(result.case_id)
    await world.handled.wait("chat.post", result.case_id)

    await emu.send_disconnect()  # Slack asks the app to reconnect
    await emu.wait_for_link(2)
    await world.click(SAM, card, "draft")
    await world.update(card, "Draft v1")

    dead = emu.kill_link()  # open but silent: no pongs
    await emu.wait_for_link(3, timeout=15)
    await emu.wait_until(lambda: dead.closed, 5, "the dead socket to be dropped")
    assert dead.pings > 0 and emu.links[0].closed
    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")
    assert len(world.published()) == 1
    assert len(emu.calls_of("apps.connections.open")) == 3


async def test_a_rate_limited_card_is_posted_once_after_retry_after(world, emu):
    emu.fail_next("chat.postMessage", times=1, retry_after=1)
    first, second = await world.ingest(mention(1, "@acme my order is late"), mention(2, "@acme broken pedal, help"))
    await world.handled.wait("chat.post", second.case_id)
    posts = emu.calls_of("chat.postMessage")
    assert [c.status for c in posts] == [429, 200, 200]
    assert posts[1].at - posts[0].at >= 0.95, "the card waited for Retry-After"
    assert [case_of(c) for c in posts] == [first.case_id, first.case_id, second.case_id]
    assert [m["metadata"]["event_payload"]["case_id"] for m in emu.messages[SUPPORT]] == [first.case_id, second.case_id]
    cards = await world.rows(t.Outbox, t.Outbox.kind == "chat.post")
    assert [(r.attempts, r.last_error) for r in cards] == [(1, None), (1, None)]  # the 429 was waited out, not failed
    assert (await world.case(first.case_id)).card_key == f"slack:{SUPPORT}:{posts[1].response['ts']}"
    assert world.slack.limiter.throttled == 1
