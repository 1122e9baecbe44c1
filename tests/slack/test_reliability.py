"""Redelivered events, dropped and dead sockets, and Slack's rate limits."""
from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from integrations.chat.slack import lookup as slack_lookup
from tests.slack.conftest import AGENT, BOSS, CARE, make_card, started


async def test_an_event_delivered_twice_is_handled_once(emu, slack, core, posted):
    card, ref = posted
    body = emu.event_body(emu.user_message(AGENT, CARE, "first note", thread_ts=ref.message_id))
    first = await emu.push("events_api", body)
    again = await emu.push("events_api", body, retry_attempt=1)  # Slack's retry: same event_id
    await emu.wait_for_ack(first)
    await emu.wait_for_ack(again)  # the duplicate is still acked, or Slack keeps retrying
    await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "second note", thread_ts=ref.message_id)))
    await core.wait_for(lambda: any(text == "second note" for _, _, text in core.notes), what="second note")
    assert [text for _, _, text in core.notes] == ["first note", "second note"]


async def test_any_event_redelivered_with_the_same_event_id_is_handled_once(emu, slack):
    def opened(user):
        return emu.event_body({"type": "app_home_opened", "user": user, "tab": "home", "event_ts": emu.next_ts()})

    body = opened(BOSS)
    await emu.push("events_api", body)
    await emu.push("events_api", body, retry_attempt=1)
    await emu.push("events_api", opened(AGENT))
    await emu.wait_for_call("views.publish", predicate=lambda c: c.args["user_id"] == AGENT)
    await slack.idle()
    assert sorted(c.args["user_id"] for c in emu.calls_of("views.publish")) == sorted([BOSS, AGENT])


async def test_a_disconnect_request_makes_the_client_reconnect_and_keep_working(emu, slack, core, posted):
    card, ref = posted
    await emu.send_disconnect()
    await emu.wait_for_call("apps.connections.open", count=2)
    await emu.wait_for_link(2)
    await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "after reconnect", thread_ts=ref.message_id)))
    await core.wait_for(lambda: core.notes, what="note on the new socket")
    assert core.notes[0][2] == "after reconnect"
    assert emu.links[0].closed


async def test_a_dead_link_without_pongs_is_replaced(emu, core):
    platform = await started(emu, core, ping_interval=1)  # short, so the dead link is noticed fast
    try:
        card = make_card()
        ref = await platform.post_card(CARE, card)
        first = await emu.wait_for_link(1)
        emu.kill_link()
        await emu.wait_for_link(2, timeout=15)
        await emu.wait_until(lambda: first.closed, 5, "the dead socket to be dropped")
        assert first.pings > 0
        await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "still here", thread_ts=ref.message_id)))
        await core.wait_for(lambda: core.notes, what="note on the replacement socket")
        assert len(emu.calls_of("apps.connections.open")) >= 2
    finally:
        await platform.stop()


async def test_a_rate_limited_post_waits_for_retry_after_and_nothing_is_lost(emu, slack):
    emu.fail_next("chat.postMessage", times=1, retry_after=1)
    cards = [make_card(case_id=n) for n in (21, 22)]
    refs = await asyncio.gather(*(slack.post_card(CARE, card) for card in cards))
    calls = emu.calls_of("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200]
    assert calls[1].at - calls[0].at >= 0.95, "the retry waited for Retry-After"
    assert calls[2].at - calls[0].at >= 0.95, "later posts to that channel waited too"
    posted = [m["metadata"]["event_payload"]["case_id"] for m in emu.messages[CARE]]
    assert posted == [21, 22]
    assert {r.message_id for r in refs} == {m["ts"] for m in emu.messages[CARE]}
    assert slack.limiter.throttled == 1


async def test_other_channels_are_not_held_up_by_a_rate_limited_one(emu, slack):
    emu.add_channel("C0BILL", "billing")
    emu.fail_next("chat.postMessage", times=1, retry_after=2)
    held = asyncio.create_task(slack.post_card(CARE, make_card(case_id=31)))
    await emu.wait_for_call("chat.postMessage")  # the 429
    await slack.post_card("C0BILL", make_card(case_id=32))
    assert not held.done(), "billing went through while care still waits"
    await held
    assert [m["metadata"]["event_payload"]["case_id"] for m in emu.messages[CARE]] == [31]


async def test_stop_closes_the_socket(emu, core):
    platform = await started(emu, core)
    link = await emu.wait_for_link(1)
    await platform.stop()
    await emu.wait_until(lambda: link.closed, 5, "socket close")
    assert len(emu.calls_of("apps.connections.open")) == 1


async def test_a_card_whose_answer_was_lost_is_found_by_its_metadata(emu, slack):
    emu.drop_response_next("chat.postMessage")  # Slack posted it; the answer never arrived
    with pytest.raises(aiohttp.ClientError):
        await slack.post_card(CARE, make_card(case_id=41))
    assert len(emu.calls_of("chat.postMessage")) == 1, "no silent resend by the client"
    [posted] = emu.messages[CARE]
    found = await slack.find_card(CARE, 41)  # what the outbox's retry asks first
    assert found is not None and (found.channel, found.message_id) == (CARE, posted["ts"])
    assert await slack.find_card(CARE, 42) is None  # never posted: the retry posts it
    history = await emu.wait_for_call("conversations.history")
    assert history.args["channel"] == CARE and history.response["ok"]


async def test_an_unreadable_history_means_post_again_not_lose_the_card(emu, slack, caplog):
    await slack.post_card(CARE, make_card(case_id=43))
    emu.fail_next("conversations.history", status=200, error="missing_scope", retry_after=None)
    with caplog.at_level(logging.WARNING):
        assert await slack.find_card(CARE, 43) is None
    assert "missing_scope" in caplog.text


@pytest.fixture
async def quick(emu, core):
    """A platform whose channel pace never holds these tests up."""
    platform = await started(emu, core, post_rate=100, post_burst=50)
    await emu.wait_for_link(1)
    yield platform
    await platform.stop()


async def test_a_thread_line_whose_answer_was_lost_is_found_by_its_key(emu, quick):
    card = await quick.post_card(CARE, make_card(case_id=51))
    emu.drop_response_next("chat.postMessage")
    with pytest.raises(aiohttp.ClientError):
        await quick.post_in_thread(card, "Dana Approver assigned case 51 to Sam Agent.", key="thread:51-a")
    [line] = [m for m in emu.messages[CARE] if m.get("thread_ts") == card.message_id]
    assert line["metadata"] == {"event_type": "rejoinder_line", "event_payload": {"key": "thread:51-a"}}
    found = await quick.find_in_thread(card, "thread:51-a")  # what the outbox's retry asks first
    assert found is not None and (found.channel, found.message_id, found.thread_id) == (CARE, line["ts"], card.message_id)
    assert await quick.find_in_thread(card, "thread:51-b") is None  # never posted: the retry posts it
    replies = emu.calls_of("conversations.replies")
    assert [(c.args["channel"], c.args["ts"], c.response["ok"]) for c in replies] == [(CARE, card.message_id, True)] * 2
    assert len(emu.calls_of("chat.postMessage")) == 2, "no silent resend by the client"


async def test_a_line_someone_else_posted_with_our_metadata_is_not_ours(emu, quick):
    card = await quick.post_card(CARE, make_card(case_id=52))
    emu.messages[CARE].append({"type": "message", "ts": emu.next_ts(), "user": AGENT, "text": "copied",
                               "thread_ts": card.message_id,
                               "metadata": {"event_type": "rejoinder_line", "event_payload": {"key": "thread:52"}}})
    assert await quick.find_in_thread(card, "thread:52") is None


async def test_a_long_thread_is_read_page_by_page_up_to_a_limit(emu, quick, monkeypatch, caplog):
    monkeypatch.setattr(slack_lookup, "REPLIES_PAGE", 2)
    card = await quick.post_card(CARE, make_card(case_id=53))
    lines = [await quick.post_in_thread(card, f"line {n}", key=f"thread:53-{n}") for n in range(1, 5)]
    # The parent and line 1, lines 2 and 3, then line 4: three pages.
    found = await quick.find_in_thread(card, "thread:53-4")
    assert found is not None and found.message_id == lines[-1].message_id
    cursors = [c.args.get("cursor") for c in emu.calls_of("conversations.replies")]
    assert cursors == [None, "next:2", "next:4"]
    assert all(c.args["limit"] in (2, "2") for c in emu.calls_of("conversations.replies"))

    monkeypatch.setattr(slack_lookup, "REPLIES_PAGES", 2)
    with caplog.at_level(logging.WARNING):
        assert await quick.find_in_thread(card, "thread:53-4") is None  # past the pages searched
    assert "Searched the first 4 messages" in caplog.text


async def test_unreadable_replies_mean_post_the_line_again_not_lose_it(emu, quick, caplog):
    card = await quick.post_card(CARE, make_card(case_id=54))
    await quick.post_in_thread(card, "Published on x", key="thread:54")
    emu.fail_next("conversations.replies", status=200, error="missing_scope", retry_after=None)
    with caplog.at_level(logging.WARNING):
        assert await quick.find_in_thread(card, "thread:54") is None
    assert "missing_scope" in caplog.text
    assert (await quick.find_in_thread(card, "thread:54")) is not None  # readable again: found
