"""Every skill through the core dispatcher, role-checked in the core; a team's
own workflow; the card a person sees, with the customer's context."""
from __future__ import annotations

from sqlalchemy import select

from bot.people.customer_import import import_customers, import_orders
from bot.store import tables as t
from bot.chat.text_view import card_lines
from tests.core.harness import ALEX, DANA, LEE, PAT, SAM, WORKSPACE, make_world, mention

CAREFUL = WORKSPACE.replace('{name: sales, channel: "#sales"}', '{name: sales, channel: "#sales", workflow: careful}') + """
workflows:
  careful:
    transitions:
      - {from: new, to: [awaiting_approval, escalated]}
      - {from: awaiting_approval, to: [awaiting_approval, approved, rejected]}
      - {from: approved, to: published}
      - {from: published, to: resolved, roles: [admin]}
      - {from: escalated, to: awaiting_approval}
"""


async def add_customer(w, tmp_path) -> None:
    (tmp_path / "c.csv").write_text("email,name,phone,tier,lifetime_value,handles\n"
                                     "maria@example.com,Maria Lopez,+1 555 0100,vip,4200,x:maria\n")
    (tmp_path / "o.csv").write_text("email,number,placed_at,total,currency,status\n"
                                     "maria@example.com,A-7,2026-11-01,249.5,USD,delayed\n")
    assert (await import_customers(w.db, tmp_path / "c.csv")).errors == []
    assert (await import_orders(w.db, tmp_path / "o.csv")).errors == []


async def events(w, case_id: int) -> list[t.CaseEvent]:
    async with w.db.sessions() as s:
        return list((await s.execute(select(t.CaseEvent).where(t.CaseEvent.case_id == case_id)
                                     .order_by(t.CaseEvent.id))).scalars())


async def test_note_assign_escalate_resolve_are_logged_on_the_timeline(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order arrived broken"))
        assert (await w.run(SAM, "note", r.case_id, "she called the shop too")).ok
        assert "to whom?" in (await w.run(SAM, "assign", r.case_id)).text
        assert (await w.run(SAM, "assign", r.case_id, "@dana")).ok
        escalated = await w.run(SAM, "escalate", r.case_id, "frame damage, needs a lead")
        assert escalated.ok and "escalated" in escalated.text
        assert (await w.run(LEE, "resolve", r.case_id, "replacement shipped")).ok
        partner = await w.run(PAT, "assign", r.case_id, "pat")
        assert not partner.ok and "needs the role" in partner.text
        log = await events(w, r.case_id)
        kinds = [(e.actor, e.kind) for e in log]
        assert kinds[:1] == [("rejoinder", "opened")]
        assert ("sam", "note") in kinds and ("sam", "assigned") in kinds
        moves = [(e.detail["from"], e.detail["to"]) for e in log if e.kind == "stage"]
        assert moves == [("new", "escalated"), ("escalated", "resolved")]
        assert log[-1].actor == "pat" and log[-1].kind == "refused"
        async with w.db.sessions() as s:
            case = await s.get(t.Case, r.case_id)
            assert case.assignee == "dana" and case.stage == "resolved" and case.closed_at is not None
            assert [n.text for n in (await s.execute(select(t.Note))).scalars()] == ["she called the shop too"]
    finally:
        await w.db.close()


async def test_roles_are_checked_in_the_core_and_refusals_say_why(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order arrived broken"))
        await w.run(DANA, "draft", r.case_id)
        agent = await w.run(SAM, "approve", r.case_id)
        assert not agent.ok and "needs the role admin or approver" in agent.text
        own = await w.run(DANA, "approve", r.case_id)
        assert not own.ok and "four-eyes" in own.text  # Dana asked for this draft
        rejected = await w.run(PAT, "reject", r.case_id, "meh")
        assert not rejected.ok and "needs the role" in rejected.text
        unknown = await w.run(SAM, "frobnicate", r.case_id)
        assert not unknown.ok and "help" in unknown.text
        missing = await w.run(SAM, "draft")
        assert not missing.ok and "Which case?" in missing.text
        assert (await w.run(LEE, "approve", r.case_id)).ok and len(w.published()) == 1
    finally:
        await w.db.close()


async def test_help_lists_what_each_person_may_do(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        approver = (await w.run(DANA, "help")).text
        partner = (await w.run(PAT, "help")).text
        for name in ("draft", "redraft", "approve", "edit", "reject", "note", "assign", "escalate", "resolve",
                     "lookup", "help"):
            assert f"\n  {name} " in approver, name
        assert "\n  approve " not in partner and "\n  suggest " in partner and "\n  note " in partner
    finally:
        await w.db.close()


async def test_card_and_lookup_show_the_customer_and_the_template_draft(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        await add_customer(w, tmp_path)
        [r] = await w.ingest(mention(1, "@acme where is my order A-7?"))
        await w.run(SAM, "draft", r.case_id)
        text = "\n".join(card_lines(await w.core.card_for(r.case_id, DANA)))
        assert "customer: Maria Lopez · tier vip · lifetime value 4,200.00" in text
        assert "order A-7 2026-11-01 delayed 249.50 USD" in text
        assert f"open cases: #{r.case_id}" in text and "earlier: 2026-11-20 09:00 mention:" in text
        assert "(template draft)" in text and "route support · matched @acme, order" in text

        await w.run(DANA, "approve", r.case_id)
        looked_up = await w.run(SAM, "lookup", args="@maria")
        assert looked_up.ok and "Maria Lopez · tier vip" in looked_up.text
        assert "earlier: 2026-11-20 09:00 reply: to @maria:" in looked_up.text  # the reply joined the timeline
        assert "open cases: #" in looked_up.text
        assert (await w.run(SAM, "lookup", args="maria@example.com")).text == looked_up.text
        assert not (await w.run(PAT, "lookup", args="@maria")).ok  # partners see no customer directory
        assert "No customer matches" in (await w.run(SAM, "lookup", args="@nobody")).text
    finally:
        await w.db.close()


async def test_a_team_runs_its_own_workflow(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, workspace=CAREFUL)
    try:
        [sale] = await w.ingest(mention(1, "@acme pricing for 20 bikes?"))
        [care] = await w.ingest(mention(2, "@acme my order arrived broken", handle="bo"))
        await w.run(SAM, "draft", sale.case_id)
        refused = await w.run(SAM, "escalate", sale.case_id, "big deal")
        assert not refused.ok and "cannot move from awaiting_approval to escalated" in refused.text
        assert (await w.run(DANA, "approve", sale.case_id)).ok
        assert not (await w.run(SAM, "resolve", sale.case_id)).ok  # only admins close sales cases
        assert (await w.run(ALEX, "resolve", sale.case_id)).ok
        assert (await w.run(SAM, "escalate", care.case_id)).ok  # support keeps the default workflow
        moves = [(e.detail["from"], e.detail["to"]) for e in await events(w, sale.case_id) if e.kind == "stage"]
        assert moves == [("new", "awaiting_approval"), ("awaiting_approval", "approved"), ("approved", "published"),
                         ("published", "resolved")]
    finally:
        await w.db.close()
