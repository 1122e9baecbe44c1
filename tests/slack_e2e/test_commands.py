"""`/rejoinder`, the App Home and roles from the workspace file, through the
real dispatcher and database."""
from __future__ import annotations

from bot.people.customer_import import import_customers, import_orders
from bot.store import tables as t
from tests.slack_e2e.world import ALEX, CUSTOMERS_CSV, DANA, LEE, NEWBIE, ORDERS_CSV, PAT, SAM, SUPPORT, mention


def answer_to(name: str):
    return lambda r: name in r.get("text", "")


async def test_slash_lookup_and_stats_answer_privately_through_the_response_url(world, emu):
    (world.base / "customers.csv").write_text(CUSTOMERS_CSV)
    (world.base / "orders.csv").write_text(ORDERS_CSV)
    await import_customers(world.app.db, world.base / "customers.csv")
    await import_orders(world.app.db, world.base / "orders.csv")
    [result] = await world.ingest(mention(1, "@acme my order is late"))

    await emu.push("slash_commands", emu.slash_command(SAM, SUPPORT, "lookup @maria"))
    found = await emu.wait_for_response(predicate=answer_to("Maria Lopez"))
    assert found["response_type"] == "ephemeral"
    assert "tier gold · lifetime value 1,820.50" in found["text"] and "maria@example.com" in found["text"]
    assert "order A-1001" in found["text"] and f"open cases: #{result.case_id}" in found["text"]

    await emu.push("slash_commands", emu.slash_command(SAM, SUPPORT, "stats"))
    stats = await emu.wait_for_response(predicate=answer_to("SLA breached"))
    assert stats["response_type"] == "ephemeral"
    assert "cases: 1 · SLA breached: 0" in stats["text"] and "routed: support 1" in stats["text"]

    await emu.push("slash_commands", emu.slash_command(PAT, SUPPORT, "lookup @maria"))  # partners may not
    refused = await emu.wait_for_response(predicate=answer_to("`lookup` needs"))
    assert refused["response_type"] == "ephemeral" and "Maria" not in refused["text"]


async def test_app_home_shows_each_person_their_dashboard(world, emu):
    case_id, card = await world.drafted()
    for user in (DANA, SAM):
        await emu.push("events_api", emu.event_body({"type": "app_home_opened", "user": user, "channel": "D" + user,
                                                     "tab": "home", "event_ts": emu.next_ts()}))
    dana = await emu.wait_for_call("views.publish", predicate=lambda c: c.args["user_id"] == DANA)
    sam = await emu.wait_for_call("views.publish", predicate=lambda c: c.args["user_id"] == SAM)
    assert dana.response["ok"] and sam.response["ok"]
    shown = str(dana.args["view"]["blocks"])
    assert "Rejoinder · Dana Approver" in shown
    assert "*Awaiting my approval* (1)" in shown and f"*#{case_id}*" in shown and "my order never arrived" in shown
    assert "support: 1" in shown
    assert "*Awaiting my approval* (0)" in str(sam.args["view"]["blocks"])  # Sam is an agent and asked for it


async def test_roles_come_from_the_workspace_by_slack_user_id(world, emu):
    expected = {SAM: "Sam Agent (agent)", DANA: "Dana Approver (agent, approver)", ALEX: "Alex Admin (admin, agent, approver)",
                NEWBIE: "Nia Newbie (agent)", PAT: "Pat Partner (partner)"}
    for user in expected:
        await emu.push("slash_commands", emu.slash_command(user, SUPPORT, "help"))
    for user, roles in expected.items():
        await emu.wait_for_response(predicate=answer_to(f"You act as {roles}. Commands:"))

    case_id, card = await world.drafted()
    for user in (SAM, NEWBIE):  # agents, one listed and one by default
        await world.click(user, card, "approve")
        await world.told(user, "`approve` needs the role admin or approver.")
    await world.click(ALEX, card, "approve")
    await world.thread_line(card, "Published on x")
    assert len(world.published()) == 1
    refused = await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused")
    assert sorted(e.actor for e in refused) == sorted([SAM, NEWBIE])
    assert LEE not in {e.actor for e in refused}
