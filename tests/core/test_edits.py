"""Edited posts: the stored mention takes the new text, the timeline keeps the
old one, the card and the thread are told; repeats change nothing; an edit
of a post never stored is taken as a new mention. On SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import unicodedata

from sqlalchemy import func, select

from bot.intake.edits import excerpt
from bot.intake.normalize import normalize
from bot.intake.pipeline import load_cursor
from bot.ports import SourceItem
from bot.store import tables as t
from tests.core.harness import SAM, make_world, mention


async def stored(w, external_id: str) -> t.Mention:
    async with w.db.sessions() as s:
        return (await s.execute(select(t.Mention).where(t.Mention.external_id == external_id))).scalar_one()


async def events(w, case_id: int, kind: str) -> list[t.CaseEvent]:
    async with w.db.sessions() as s:
        return list((await s.execute(select(t.CaseEvent).where(
            t.CaseEvent.case_id == case_id, t.CaseEvent.kind == kind))).scalars())


async def outbox_rows(w) -> int:
    async with w.db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(t.Outbox))).scalar_one()


async def edit(w, *mentions):
    results = await w.core.pipeline.apply_edits(list(mentions))
    await w.drain()
    return results


async def test_edit_of_a_stored_mention_updates_text_timeline_card_and_thread(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is late"))
        lines, rows = len(w.chat.thread_lines), await outbox_rows(w)

        [e] = await edit(w, mention(1, "@acme my order is late and the box was crushed"))

        assert (e.key, e.outcome, e.case_id) == ("x:1", "edited", r.case_id)
        assert (await stored(w, "1")).text == "@acme my order is late and the box was crushed"
        [event] = await events(w, r.case_id, "mention_edited")
        assert event.actor == "@maria"
        assert event.detail == {"mention": "x:1", "before": "@acme my order is late",
                                "after": "@acme my order is late and the box was crushed"}
        assert [text for _, text in w.chat.thread_lines[lines:]] == [
            "@maria edited their post: “@acme my order is late and the box was crushed”"]
        async with w.db.sessions() as s:
            kinds = (await s.execute(select(t.Outbox.kind).order_by(t.Outbox.id))).scalars().all()[rows:]
            card = await w.core.cards.build(s, await s.get(t.Case, r.case_id), redacted=False)
        assert sorted(kinds) == ["chat.thread", "chat.update"]
        assert card.mention_text == "@acme my order is late and the box was crushed"  # the card shows the new text

        # The same edit again, alone or twice in one batch: nothing changes, nothing is queued.
        rows = await outbox_rows(w)
        again = await edit(w, mention(1, "@acme my order is late and the box was crushed"),
                           mention(1, "@acme my order is late and the box was crushed"))
        assert [a.outcome for a in again] == ["unchanged", "unchanged"]
        assert await outbox_rows(w) == rows and len(await events(w, r.case_id, "mention_edited")) == 1
    finally:
        await w.db.close()


async def test_edit_of_an_unseen_post_is_ingested_as_new(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [noise] = await w.ingest(mention(2, "lovely weather for a ride"))
        assert noise.outcome == "dropped"  # not stored: noise before the edit

        [e] = await edit(w, mention(2, "lovely weather for a ride, but @acme my order is broken"))
        assert e.outcome == "opened" and e.match.route == "support"
        assert (await stored(w, "2")).text == "lovely weather for a ride, but @acme my order is broken"
        [(_, card)] = w.chat.posted
        assert card.mention_text == "lovely weather for a ride, but @acme my order is broken"

        [still_noise] = await edit(w, mention(3, "still lovely weather"))
        assert still_noise.outcome == "dropped"  # routing decided again
        [again] = await edit(w, mention(2, "lovely weather for a ride, but @acme my order is broken"))
        assert again.outcome == "unchanged"
    finally:
        await w.db.close()


async def test_edited_text_is_normalized_like_new_mentions(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        await w.ingest(mention(4, "@acme refund please"))
        raw = "@acme refund  please: the cafe\u0301 lock is bro\u200bken"  # decomposed é, a zero-width space
        await w.ingest(mention(5, raw))

        [e] = await edit(w, mention(4, raw))
        assert e.outcome == "edited"
        text = (await stored(w, "4")).text
        assert text == normalize(raw) == (await stored(w, "5")).text
        assert text == unicodedata.normalize("NFC", text) and "café" in text and "broken" in text
        # The raw form of the text already stored is no change at all.
        assert [a.outcome for a in await edit(w, mention(4, raw + " "))] == ["unchanged"]
    finally:
        await w.db.close()


async def test_edit_while_a_draft_awaits_approval_says_the_draft_is_stale(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(6, "@acme broken frame on delivery"))
        assert (await w.run(SAM, "draft", r.case_id)).ok
        lines = len(w.chat.thread_lines)
        long = "@acme broken frame on delivery. " + "It also scratched the paint on the top tube. " * 10
        await edit(w, mention(6, long))
        [line] = [text for _, text in w.chat.thread_lines[lines:]]
        assert line.startswith("@maria edited their post: “@acme broken frame on delivery. It also")
        assert "…”" in line and len(line) < 320
        assert line.endswith("The draft awaiting approval was written for the earlier text.")
    finally:
        await w.db.close()


async def test_edit_bringing_a_risk_flag_raises_the_case_flags(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(7, "@acme my order is late"))
        await edit(w, mention(7, "@acme my order is late, my lawyer will sue you"))
        async with w.db.sessions() as s:
            case = await s.get(t.Case, r.case_id)
        assert "legal_threat" in case.flags and "legal_threat" in (await stored(w, "7")).flags
    finally:
        await w.db.close()


def test_excerpt_cuts_at_a_word_or_a_grapheme():
    assert excerpt("short") == "short"
    assert excerpt("word " * 100, 50) == ("word " * 10).strip() + "…"
    family = "👩‍👩‍👧‍👦"  # one grapheme, 7 code points
    cut = excerpt(family * 30, 50)
    assert cut.endswith("…") and cut[:-1] == family * (50 // len(family))


class ListSource:
    name, network = "feed", "x"

    def __init__(self, items: list[SourceItem]) -> None:
        self._items = items

    async def items(self, cursor):
        for item in self._items:
            yield item


async def test_consume_applies_an_edit_after_the_batch_and_saves_the_cursor(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        batch_done = asyncio.Event()
        w.app.poke = batch_done.set  # consume pokes the workers once a batch is through
        source = ListSource([SourceItem(mention(8, "@acme where is my order?"), "1"),
                             SourceItem(mention(8, "@acme where is my order? It is a week late"), "2", edited=True),
                             SourceItem(mention(9, "nice weather"), "3"),
                             SourceItem(mention(9, "nice weather, but @acme I need help"), "4", edited=True)])
        await w.app.pump(source)  # one batch: the post and its edit
        consumer = asyncio.create_task(w.app.consume())
        try:
            await asyncio.wait_for(batch_done.wait(), timeout=10)
        finally:
            consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
        assert (await stored(w, "8")).text == "@acme where is my order? It is a week late"
        assert (await stored(w, "9")).text == "nice weather, but @acme I need help"
        assert await load_cursor(w.db, "feed") == "4"
        async with w.db.sessions() as s:
            assert (await s.execute(select(func.count()).select_from(t.Case))).scalar_one() == 2
    finally:
        await w.db.close()
