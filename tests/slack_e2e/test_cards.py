"""Mentions become cards in the right Slack channel: through the replay
source, the bus and the pipeline, then the chat outbox and chat.postMessage."""
from __future__ import annotations

from bot.intake.pipeline import load_cursor
from bot.store import tables as t
from tests.emulators.slack_checks import block_errors, text_objects
from tests.slack_e2e.world import DEALER, SUPPORT, case_of, mention

HOSTILE = "@acme my order is late <!channel> <@U0DANA> <https://evil.example/x|click here> & *now*"


async def test_a_replayed_mention_becomes_a_valid_card_in_its_teams_channel(make_world, sqlite_url, emu):
    feed = [
        mention(1, HOSTILE, handle="eve", name="Eve <!here>"),
        mention(2, "lovely weather for a ride"),  # matches no route: no card
        mention(3, "the corner bikes shop says my frame is cracked", handle="rob"),
    ]
    world = await make_world(sqlite_url, feed=feed)
    support = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("channel") == SUPPORT)
    dealer = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("channel") == DEALER)
    await world.handled.wait("chat.post", case_of(support))
    await world.handled.wait("chat.post", case_of(dealer))
    assert await load_cursor(world.app.db, "feed") == "3"  # saved with the last stored line

    for call in (support, dealer):
        assert call.response["ok"], call.response
        assert block_errors(call.args["blocks"]) == []
        assert call.args["blocks"][-1]["type"] == "actions"  # the Draft / Assign / ... buttons
    cases = await world.rows(t.Case)
    assert [(c.team, c.card_key) for c in cases] == [
        ("support", f"slack:{SUPPORT}:{support.response['ts']}"), ("dealer", f"slack:{DEALER}:{dealer.response['ts']}")]
    assert [case_of(support), case_of(dealer)] == [c.id for c in cases]

    # Outside text is shown, but can neither ping, link nor format.
    shown = text_objects(support.args["blocks"])
    body = " ".join(o["text"] for o in shown)
    assert "&lt;!channel&gt;" in body and "&lt;@U0DANA&gt;" in body and "&amp;" in body
    assert "Eve &lt;!here&gt;" in body
    for o in shown:
        assert "<!channel>" not in o["text"] and "<!here>" not in o["text"] and "<@U0DANA>" not in o["text"]
        assert "<https://evil" not in o["text"]
    assert "<!channel>" not in support.args["text"]
    assert len(emu.messages[SUPPORT]) == 1 and len(emu.messages[DEALER]) == 1


async def test_replies_in_a_burst_edit_the_card_once_not_once_each(world, emu):
    [root] = await world.ingest(mention(1, "@acme my order is late"))
    card = await world.card(root.case_id)
    await world.handled.wait("chat.post", root.case_id)

    # One batch of replies: one edit of the card.
    replies = [mention(n, f"still nothing, day {n}", reply_to=1) for n in range(2, 12)]
    assert {r.outcome for r in await world.ingest(*replies)} == {"joined"}
    await world.update(card, "11 mentions in this conversation")
    assert len(await world.rows(t.Outbox, t.Outbox.kind == "chat.update")) == 1

    # Replies one by one while the card's channel is held up by a 429: the
    # queued edits collapse into the latest instead of one edit each.
    emu.fail_next("chat.update", times=1, retry_after=2)
    await world.ingest(mention(12, "hello??", reply_to=1))
    await emu.wait_for_call("chat.update", predicate=lambda c: c.status == 429)
    for n in range(13, 22):
        await world.ingest(mention(n, f"anyone there? {n}", reply_to=1))
    await world.handled.wait("chat.update", root.case_id, count=11)
    edits = [c for c in emu.calls_of("chat.update") if c.status == 200]
    assert len(edits) == 3, "the batch's edit, the held-up edit, and one for the nine queued behind it"
    assert "21 mentions in this conversation" in str(edits[-1].args["blocks"])
