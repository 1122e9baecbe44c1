"""The card's "Link" buttons on Discord, end to end through the real
discord.py, the local Discord and a local HubSpot: the button names the
suggestion; a partner's click links nothing (their card shows no
suggestions, and the core would refuse them anyway); an agent's click runs
the role-checked `link` command, and the card shows the contact."""
from __future__ import annotations

from bot.store import tables as t
from tests.crm.conftest import TOKEN, hubspot_section
from tests.discord_e2e import conftest as fixtures
from tests.discord_e2e.world import KIM, SAM, WORKSPACE, buttons, mention

emu, make_world = fixtures.emu, fixtures.make_world  # the chat world's fixtures, used here


async def test_a_link_button_on_discord_links_only_for_a_permitted_person(make_world, sqlite_url, hub, seeded,
                                                                         monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    workspace = WORKSPACE + hubspot_section(hub.url)
    w = await make_world(sqlite_url, workspace=workspace)
    [r] = await w.ingest(mention(1, "@acme my order is late, reach me at jon@example.com", handle="jb_rides"))
    card = await w.card(r.case_id)
    drawn = await w.update(card, "maybe Jon Berg")
    custom_id = f"rejoinder:link:{r.case_id}:0"
    assert custom_id in buttons(drawn) and hub.objects["notes"] == {}

    token = await w.emu.click(KIM, drawn, custom_id)  # holds the partner role
    said = await w.emu.answered(token)
    assert "no longer on the card" in said["content"] and await w.rows(t.CrmLink) == []

    token = await w.emu.click(SAM, drawn, custom_id)
    said = await w.emu.answered(token)
    assert "Sam Agent linked" in said["content"] and "to the CRM contact" in said["content"], said["content"]
    await w.update(card, "(matched by link)")
    [link] = await w.rows(t.CrmLink)
    assert (link.handle, link.email, link.linked_by) == ("jb_rides", "jon@example.com", SAM)
    await hub.wait_until(lambda: len(hub.notes_on(seeded.jon)) == 1, 10, "the kept mention on the linked contact")
