"""Thread lines go out through the chat outbox. chat.postMessage has no
idempotency key, so a retry after a lost answer looks for the line by its
key first: every line reaches the thread, and none of them twice."""
from __future__ import annotations

import pytest

from bot.store import tables as t
from tests.slack_e2e.world import SAM, Settled, mention


@pytest.fixture
async def settled(world) -> Settled:
    return Settled(world.app.chat_worker)


@pytest.fixture
async def carded(world, settled):
    """A case with its card, and a chat outbox that retries at once rather than after its backoff."""
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    card = await world.card(result.case_id)
    await world.handled.wait("chat.post", result.case_id)
    world.app.chat_worker.base_delay = 0.01
    return result.case_id, card


async def thread_row(world, settled: Settled) -> t.Outbox:
    [row] = await world.rows(t.Outbox, t.Outbox.kind == "chat.thread")
    await settled.wait(row.id)
    [row] = await world.rows(t.Outbox, t.Outbox.kind == "chat.thread")
    return row


async def test_a_thread_line_whose_answer_was_lost_is_retried_and_appears_once(world, emu, carded, settled):
    case_id, card = carded
    emu.drop_response_next("chat.postMessage")  # posted in Slack, but the app never hears the ts
    await world.click(SAM, card, "escalate")
    await world.handled.wait("chat.thread", case_id)  # the outbox's retry
    [line] = world.replies(card)
    assert line["text"].startswith(f"Sam Agent escalated case {case_id}")
    assert len(world.thread(card)) == 1, "posted once, found on the retry"
    [lookup] = emu.calls_of("conversations.replies")
    assert lookup.args["ts"] == card.response["ts"] and lookup.response["ok"]
    row = await thread_row(world, settled)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.result == {"message_id": line["ts"], "found": True}  # the ts Slack gave, recorded
    assert line["metadata"]["event_payload"] == {"key": row.idempotency_key}


async def test_a_thread_line_slack_refused_is_retried_and_posted(world, emu, carded, settled):
    case_id, card = carded
    emu.fail_next("chat.postMessage", status=200, error="internal_error", retry_after=None)
    await world.click(SAM, card, "escalate")
    await world.handled.wait("chat.thread", case_id)
    [line] = world.replies(card)
    assert line["text"].startswith(f"Sam Agent escalated case {case_id}")
    assert [c.status for c in emu.calls_of("chat.postMessage")][-2:] == [200, 200]  # the card, then the line
    assert [c.response["ok"] for c in emu.calls_of("chat.postMessage") if c.args.get("thread_ts")] == [False, True]
    row = await thread_row(world, settled)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.result == {"message_id": line["ts"]}  # looked, not found, posted
    assert emu.calls_of("conversations.replies")


async def test_a_line_posted_at_the_first_try_is_not_looked_for(world, emu, carded, settled):
    case_id, card = carded
    await world.click(SAM, card, "escalate")
    await world.handled.wait("chat.thread", case_id)
    assert len(world.replies(card)) == 1
    assert emu.calls_of("conversations.replies") == []
