"""Posting on Discord at Slack's bar: a resend within the nonce window
returns the first card, a post whose answer was lost is looked for before it
is made again (cards and thread lines), 429s delay but lose nothing, and
discord.py keeps to the route's bucket from Discord's headers."""
from __future__ import annotations

import asyncio
import dataclasses

from tests.discord_e2e.world import DANA, SUPPORT, case_of, mention


def cards_in(emu, channel: str) -> list[int]:
    return [case_of_message(m) for m in emu.messages[channel] if m["author"]["id"] == emu.bot_id]


def case_of_message(message: dict):
    from tests.emulators.discord import ApiCall
    return case_of(ApiCall("", "", {}, 200, message, 0))


async def test_a_resend_after_a_server_error_returns_the_first_card(world, emu):
    emu.fail_after_work("message.create", status=502)  # Discord posted it, the answer is an error
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    await world.handled.wait("chat.post", result.case_id)
    creates = [c for c in emu.calls if c.name == "message.create" and c.path == f"channels/{SUPPORT}/messages"]
    assert [c.status for c in creates] == [502, 200]  # discord.py resent it, with the same nonce
    assert creates[0].args["nonce"] == creates[1].args["nonce"]
    assert cards_in(emu, SUPPORT) == [result.case_id]
    assert (await world.case(result.case_id)).card_key.endswith(creates[1].response["id"])


async def test_a_card_whose_answer_was_lost_is_found_not_posted_again(world, emu, monkeypatch):
    post = world.discord.post_card

    async def answer_lost(channel, card):
        await post(channel, card)
        monkeypatch.setattr(world.discord, "post_card", post)
        raise ConnectionResetError("connection reset before the answer")

    monkeypatch.setattr(world.discord, "post_card", answer_lost)
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    await world.handled.wait("chat.post", result.case_id)  # the retry, as uncertain
    assert emu.calls_of("messages.list"), "the retry looked in the channel's history"
    assert cards_in(emu, SUPPORT) == [result.case_id]
    [card] = [m for m in emu.messages[SUPPORT] if m["author"]["id"] == emu.bot_id]
    assert (await world.case(result.case_id)).card_key.endswith(card["id"])


async def test_a_thread_line_whose_answer_was_lost_is_posted_once(world, emu, monkeypatch):
    case_id, card = await world.drafted()
    line = world.discord.post_in_thread

    async def answer_lost(ref, text, key=None):
        await line(ref, text, key)
        monkeypatch.setattr(world.discord, "post_in_thread", line)
        raise ConnectionResetError("connection reset before the answer")

    monkeypatch.setattr(world.discord, "post_in_thread", answer_lost)
    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")
    await world.handled.wait("chat.thread", case_id, count=3)
    assert any(c.path.startswith(f"channels/{card['id']}/messages") for c in emu.calls_of("messages.list"))
    assert world.thread(card) == [
        "Sam Agent asked for a draft: v1 (template).",
        "Dana Approver approved draft v1 (1/1); publishing to x.",
        f"Published on x: {world.published()[0]['external_id']}",
    ]


async def test_429s_delay_posts_but_lose_nothing(world, emu):
    emu.fail_next("message.create", times=2, retry_after=0.4)
    emu.fail_next("message.edit", times=1, retry_after=0.2, global_=True)
    results = await world.ingest(*(mention(n, f"@acme order {n} is late") for n in range(1, 4)))
    for result in results:
        await world.handled.wait("chat.post", result.case_id)
    card = await world.card(results[0].case_id)
    await world.click(DANA, card, "draft")
    await world.update(card, "Draft v1")
    assert [c.name for c in emu.rate_limited] == ["message.create", "message.create", "message.edit"]
    assert sorted(cards_in(emu, SUPPORT)) == [r.case_id for r in results]  # each once, none lost


async def test_the_route_bucket_from_discords_headers_is_kept(world, emu):
    emu.limits["message.create"] = (2, 0.5)  # two posts per half second per channel
    results = await world.ingest(*(mention(n, f"@acme order {n} is late") for n in range(1, 7)))
    for result in results:
        await world.handled.wait("chat.post", result.case_id)
    assert emu.rate_limited == []  # discord.py waited for the bucket to reset instead of hitting it
    assert sorted(cards_in(emu, SUPPORT)) == [r.case_id for r in results]


async def test_an_interaction_delivered_twice_is_handled_once(world, emu):
    case_id, card = await world.drafted()
    token = await world.click(DANA, card, "approve")
    payload = next(d for _s, event, d in emu._current.sent if event == "INTERACTION_CREATE" and d["token"] == token)
    await emu.dispatch("INTERACTION_CREATE", payload)  # the gateway replays it
    await world.thread_line(card, "Published on x")
    await emu.answered(token, "approved")
    callbacks = [c for c in emu.calls if c.name == "interaction.callback" and token in c.path]
    assert len(callbacks) == 1 and len(world.published()) == 1


async def test_a_thread_that_did_not_open_with_the_card_opens_with_its_first_line(world, emu):
    emu.fail_next("thread.create", status=403)
    case_id, card = await world.drafted()
    await world.thread_line(card, "asked for a draft")
    assert [c.status for c in emu.calls if c.name == "thread.create"] == [403, 201]
    assert world.thread(card) == ["Sam Agent asked for a draft: v1 (template)."]


async def test_a_click_is_acknowledged_before_the_core_answers(world, emu):
    case_id, card = await world.drafted()
    release = asyncio.Event()
    handlers = world.discord.handlers

    async def slow(command):
        await release.wait()  # the core is busy (a slow database, say)
        return await handlers.on_command(command)

    world.discord.handlers = dataclasses.replace(handlers, on_command=slow)
    token = await world.click(DANA, card, "approve")
    deferred = await emu.wait_until(lambda: emu.interactions[token]["responded"])
    assert deferred["type"] == 5 and emu.interactions[token]["followups"] == []  # acknowledged, nothing said yet
    release.set()
    await emu.answered(token, "approved")
    await world.thread_line(card, "Published on x")
