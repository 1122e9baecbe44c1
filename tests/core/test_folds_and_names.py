"""An incident keeps the cases folded into it reachable (listed on its card,
counted, named in their threads), and an assignment's thread line names the
person assigned rather than their chat id."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select

from bot.ports import Command
from bot.store import tables as t
from bot.chat.text_view import card_lines
from bot.types import ChatUser
from tests.core.harness import DANA, SAM, make_world, mention


def lines_in_thread(w, case_id: int) -> list[str]:
    ref = w.chat.cards[case_id]
    return [text for r, text in w.chat.thread_lines if r.message_id == ref.message_id]


async def outbox(w, kind: str, case_id: int) -> int:
    async with w.db.sessions() as s:
        rows = await s.execute(select(t.Outbox.id).where(t.Outbox.kind == kind, t.Outbox.case_id == case_id))
        return len(rows.all())


async def test_an_incident_lists_counts_and_names_the_cases_folded_into_it(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)  # incidents: threshold 3 on route support
    try:
        burst = await w.ingest(*[mention(100 + i, f"@acme outage again #{i}", handle=f"u{i}", minutes=i)
                                 for i in range(5)])
        first, second, incident_id = (r.case_id for r in burst[:3])
        card = await w.core.card_for(incident_id, DANA)
        assert card.folded_cases == (first, second) and card.incident_count == 5

        # Each folded case says which incident took it over, in its thread and on its card.
        for folded in (first, second):
            assert lines_in_thread(w, folded) == [f"Folded into incident #{incident_id}."]
            folded_card = await w.core.card_for(folded, DANA)
            assert folded_card.incident_of == incident_id and folded_card.folded_cases == ()
            assert f"folded into incident #{incident_id}" in card_lines(folded_card)
        async with w.db.sessions() as s:
            folds = (await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "folded"))).scalars().all()
        assert sorted((e.case_id, e.detail["incident"]) for e in folds) == [(first, incident_id), (second, incident_id)]

        # The console's card and `case N` both list the folded cases with the full count.
        [posted] = [c for _channel, c in w.chat.posted if c.case_id == incident_id]
        text = "\n".join(card_lines(posted))
        assert "INCIDENT: 5 mentions" in text and f"folded here: #{first}, #{second}" in text
        shown = await w.run(SAM, "case", incident_id)
        assert f"folded here: #{first}, #{second}" in shown.text and "INCIDENT: 5 mentions" in shown.text

        # A long list is cut on the card, never in `case N`.
        long = dataclasses.replace(card, folded_cases=tuple(range(1, 41)))
        short = [line for line in card_lines(long) if line.startswith("folded here:")]
        assert short == ["folded here: " + ", ".join(f"#{n}" for n in range(1, 21)) + " (+20 more)"]
        full = [line for line in card_lines(long, folded_shown=None) if line.startswith("folded here:")]
        assert full == ["folded here: " + ", ".join(f"#{n}" for n in range(1, 41))]

        # A customer writing again in a folded case's conversation still counts on the incident's card,
        # and the incident's card is redrawn to say so.
        before = await outbox(w, "chat.update", incident_id)
        [reply] = await w.ingest(mention(200, "@acme still broken", handle="u0", minutes=6, conversation="100"))
        assert (reply.outcome, reply.case_id) == ("joined", first)
        assert await outbox(w, "chat.update", incident_id) == before + 1
        assert (await w.core.card_for(incident_id, DANA)).incident_count == 6
    finally:
        await w.db.close()


async def test_the_assign_line_names_the_person_the_platform_resolved(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order arrived broken"))
        sam = ChatUser("U0SAM", "Sam Agent", platform="slack")
        result = await w.app.dispatcher.run(Command("assign", "U0SAM", DANA, case_id=r.case_id, people=(sam,)))
        await w.drain()
        assert result.ok and result.text == f"Dana assigned case {r.case_id} to Sam Agent."
        assert lines_in_thread(w, r.case_id)[-1] == f"Dana assigned case {r.case_id} to Sam Agent."
        async with w.db.sessions() as s:
            case = await s.get(t.Case, r.case_id)
            [event] = (await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "assigned"))).scalars().all()
        assert case.assignee == "U0SAM"  # stored by id: App Home and the card find the person by it
        assert (event.actor, event.detail) == ("dana", {"assignee": "U0SAM", "assignee_name": "Sam Agent"})

        # A platform that names nobody: the id stands in for the name.
        await w.app.dispatcher.run(Command("assign", "@lee", DANA, case_id=r.case_id))
        await w.drain()
        assert lines_in_thread(w, r.case_id)[-1] == f"Dana assigned case {r.case_id} to lee."

        # The console names the person it acts for, by their display name.
        await w.chat.handle_line(f"assign {r.case_id} @sam_agent", DANA)
        await w.drain()
        assert lines_in_thread(w, r.case_id)[-1] == f"Dana assigned case {r.case_id} to Sam Agent."
        async with w.db.sessions() as s:
            assert (await s.get(t.Case, r.case_id)).assignee == "sam_agent"
    finally:
        await w.db.close()
