"""A case card says when its post was edited or deleted by the author; a
deleted post's draft cannot be approved. On SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.store import tables as t
from bot.chat.text_view import card_lines
from tests.core.harness import DANA, SAM, make_world, mention


async def card_of(w, case_id: int):
    async with w.db.sessions() as s:
        return await w.core.cards.build(s, await s.get(t.Case, case_id), redacted=False)


async def outbox_kinds(w) -> list[str]:
    async with w.db.sessions() as s:
        return list((await s.execute(select(t.Outbox.kind).order_by(t.Outbox.id))).scalars())


async def publish_rows(w) -> int:
    async with w.db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(t.Outbox)
                                .where(t.Outbox.kind == "publish.reply"))).scalar_one()


async def test_a_card_marks_an_edited_post(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is late"))
        card = await card_of(w, r.case_id)
        assert (card.mention_edited, card.mention_deleted) == (False, False)
        assert "“@acme my order is late”" in card_lines(card)

        await w.core.pipeline.apply_edits([mention(1, "@acme my order is late and broken")])
        await w.drain()
        card = await card_of(w, r.case_id)
        assert (card.mention_edited, card.mention_deleted) == (True, False)
        lines = card_lines(card)
        assert "“@acme my order is late and broken” (edited)" in lines
        assert not any("deleted" in line for line in lines)
    finally:
        await w.db.close()


async def test_an_edit_of_a_later_post_does_not_mark_the_root(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        [reply] = await w.ingest(mention(2, "still waiting", minutes=1, conversation="1", reply_to="1"))
        assert reply.case_id == r.case_id
        await w.core.pipeline.apply_edits([mention(2, "still waiting, day three", minutes=1, conversation="1",
                                                   reply_to="1")])
        await w.drain()
        card = await card_of(w, r.case_id)
        assert card.mention_edited is False and card.mention_text == "@acme my order is broken"
    finally:
        await w.db.close()


async def test_a_deleted_post_refreshes_its_card_once_with_a_thread_line(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme order broken"))
        lines, rows = len(w.chat.thread_lines), len(await outbox_kinds(w))

        assert await w.core.pipeline.mark_deleted("x", "1") == r.case_id
        await w.drain()
        assert sorted((await outbox_kinds(w))[rows:]) == ["chat.thread", "chat.update"]
        assert [text for _, text in w.chat.thread_lines[lines:]] == ["@maria deleted their post."]
        card = await card_of(w, r.case_id)
        assert (card.mention_edited, card.mention_deleted) == (False, True)
        assert "deleted by its author: a public reply can no longer be attached to it" in card_lines(card)

        # Reported again (a restart, a redelivery): nothing new on the card or in the thread.
        rows = len(await outbox_kinds(w))
        assert await w.core.pipeline.mark_deleted("x", "1") == r.case_id
        await w.drain()
        assert len(await outbox_kinds(w)) == rows and len(w.chat.thread_lines) == lines + 1
    finally:
        await w.db.close()


async def test_a_draft_for_a_deleted_post_cannot_be_approved(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme order broken"))
        await w.run(SAM, "draft", r.case_id)
        await w.core.pipeline.mark_deleted("x", "1")
        await w.drain()

        result = await w.run(DANA, "approve", r.case_id)
        assert not result.ok
        assert result.text == (f"Case {r.case_id} cannot be approved: the post was deleted by its author; "
                               "there is nothing to reply to.")
        assert await publish_rows(w) == 0 and w.published() == []
        async with w.db.sessions() as s:
            case = await s.get(t.Case, r.case_id)
            approvals = (await s.execute(select(func.count()).select_from(t.Approval))).scalar_one()
        assert case.stage == "awaiting_approval" and approvals == 0
    finally:
        await w.db.close()


async def test_a_conversation_with_a_post_still_up_can_be_approved(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        await w.ingest(mention(2, "still waiting", minutes=1, conversation="1", reply_to="1"))
        await w.run(SAM, "draft", r.case_id)
        await w.core.pipeline.mark_deleted("x", "1")
        await w.drain()
        assert (await card_of(w, r.case_id)).mention_deleted is True

        assert (await w.run(DANA, "approve", r.case_id)).ok
        assert [reply["in_reply_to"] for reply in w.published()] == ["2"]

        # Once every post is gone, there is nothing left to answer.
        [r2] = await w.ingest(mention(3, "@acme refund please", handle="omar"))
        await w.ingest(mention(4, "hello?", handle="omar", minutes=2, conversation="3", reply_to="3"))
        await w.run(SAM, "draft", r2.case_id)
        for external_id in ("3", "4"):
            await w.core.pipeline.mark_deleted("x", external_id)
        result = await w.run(DANA, "approve", r2.case_id)
        assert not result.ok and "every post in this conversation was deleted" in result.text
    finally:
        await w.db.close()
