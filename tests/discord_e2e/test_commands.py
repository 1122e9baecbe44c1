"""`/rejoinder` on Discord: deferred at once, answered privately by a
follow-up; `/rejoinder home` is each person's dashboard; roles come from the
workspace file by Discord user id, role id and server."""
from __future__ import annotations

from bot.people.customer_import import import_customers, import_orders
from tests.discord_e2e.world import ALEX, APPROVER_ROLE, DANA, DEALER, KIM, LEE, PAT, SAM, SUPPORT, mention
from tests.slack_e2e.world import CUSTOMERS_CSV, ORDERS_CSV


async def test_slash_lookup_and_stats_answer_privately(world, emu):
    (world.base / "customers.csv").write_text(CUSTOMERS_CSV)
    (world.base / "orders.csv").write_text(ORDERS_CSV)
    await import_customers(world.app.db, world.base / "customers.csv")
    await import_orders(world.app.db, world.base / "orders.csv")
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    assert [o["name"] for o in emu.commands[0]["options"]] == ["lookup", "case", "stats", "advocates", "watch", "help",
                                                             "home"]
    assert emu.commands[0]["dm_permission"] is False  # servers only, never a direct message

    token = await emu.slash(SAM, SUPPORT, "lookup", who="@maria")
    deferred = await emu.wait_until(lambda: emu.interactions[token]["responded"])
    assert deferred["type"] == 5 and deferred["data"]["flags"] & 64  # thinking, ephemeral
    found = await emu.answered(token, "Maria Lopez")
    assert found["flags"] & 64
    assert "1,820.50" in found["content"] and "maria@example.com" in found["content"]
    assert f"#{result.case_id}" in found["content"]

    stats = await emu.answered(await emu.slash(SAM, SUPPORT, "stats"), "SLA breached")
    assert "cases: 1 · SLA breached: 0" in stats["content"]
    case = await emu.answered(await emu.slash(SAM, SUPPORT, "case", number=result.case_id), f"#{result.case_id}")
    assert case["flags"] & 64

    await emu.answered(await emu.slash(SAM, SUPPORT, "watch", what="add tandem trouble"), "needs the admin role")
    added = await emu.answered(await emu.slash(ALEX, SUPPORT, "watch", what="add tandem trouble"), "Now watching")
    assert added["flags"] & 64
    await emu.answered(await emu.slash(SAM, SUPPORT, "watch"), "Watched terms: tandem trouble")  # list by default

    refused = await emu.answered(await emu.slash(PAT, DEALER, "lookup", who="@maria"), "needs the role")
    assert "Maria" not in refused["content"]


async def test_home_shows_each_person_their_dashboard(world, emu):
    case_id, card = await world.drafted()
    dana = await emu.answered(await emu.slash(DANA, SUPPORT, "home"), "Rejoinder · Dana Approver")
    sam = await emu.answered(await emu.slash(SAM, SUPPORT, "home"), "Rejoinder · Sam Agent")
    assert dana["flags"] & 64 and sam["flags"] & 64
    fields = {f["name"]: f["value"] for f in dana["embeds"][0]["fields"]}
    assert f"**#{case_id}**" in fields["Awaiting my approval (1)"] and "support: 1" in fields["Today per team"]
    assert "Awaiting my approval (0)" in {f["name"] for f in sam["embeds"][0]["fields"]}


async def test_roles_come_from_user_ids_role_ids_and_servers(world, emu):
    emu.add_user("300000000000000009", "Nia Newbie")
    emu.add_member(emu.guild_id, "300000000000000009", [APPROVER_ROLE])  # an approver by Discord role
    expected = {SAM: "Sam Agent (agent)", DANA: "Dana Approver (agent, approver)",
                ALEX: "Alex Admin (admin, agent, approver)", "300000000000000009": "Nia Newbie (agent, approver)",
                KIM: "Kim Reseller (partner)"}
    for user, roles in expected.items():
        await emu.answered(await emu.slash(user, SUPPORT, "help"), f"You act as {roles}. Commands:")
    await emu.answered(await emu.slash(PAT, DEALER, "help"), "You act as Pat Partner (partner). Commands:")
    assert world.app.core.roles.home_teams["discord"] == {emu.guild_id}  # the server of our own team channel
    # Someone in a server that is neither ours nor a configured partner's is a partner too: no customer data.
    emu.add_guild("800000000000000077", "Strangers")
    emu.add_channel("500000000000000077", "general", guild_id="800000000000000077")
    emu.add_user("300000000000000077", "Stranger")
    emu.add_member("800000000000000077", "300000000000000077")
    await emu.answered(await emu.slash("300000000000000077", "500000000000000077", "lookup", who="@maria"),
                       "needs the role")
    case_id, card = await world.drafted()
    await emu.answered(await world.click(SAM, card, "approve"), "needs the role admin or approver")
    await world.click("300000000000000009", card, "approve")
    await world.thread_line(card, "Published on x")
    assert len(world.published()) == 1 and LEE
