"""The card's "Link" buttons, end to end through the local Slack and a local
HubSpot: a stranger's card suggests a contact with a Link button; a click by
someone without a role is refused by the core; an agent's click links the
handle (on the timeline), the card shows the contact, and the mention kept
while the author was unknown lands on the record once."""
from __future__ import annotations

import json

from bot.store import tables as t
from tests.crm.conftest import TOKEN, hubspot_section
from tests.slack_e2e import conftest as fixtures
from tests.slack_e2e.world import PAT, SAM, WORKSPACE, case_of, mention

emu, make_world = fixtures.emu, fixtures.make_world  # the chat world's fixtures, used here


def link_buttons(call) -> list[dict]:
    return [e for b in call.args.get("blocks") or [] if b.get("block_id", "").startswith("crm:")
            for e in b["elements"]]


async def test_a_link_button_links_only_when_a_permitted_person_clicks_it(make_world, sqlite_url, hub, seeded,
                                                                          monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    workspace = WORKSPACE + hubspot_section(hub.url)
    w = await make_world(sqlite_url, workspace=workspace)
    [r] = await w.ingest(mention(1, "@acme my order is late, reach me at jon@example.com", handle="jb_rides"))
    card = await w.card(r.case_id)
    drawn = await w.update(card, "Link Jon Berg")
    [button] = link_buttons(drawn)
    assert button["value"] == "x:jb_rides to jon@example.com" and button["action_id"] == "rejoinder:link:0"
    assert hub.objects["notes"] == {}  # suggested, never linked by itself

    async def click(user: str) -> None:
        payload = w.emu.block_action(user, card.response["channel"], card.response["ts"], button["action_id"],
                                     value=button["value"], block_id=f"crm:{case_of(card)}")
        await w.emu.push("interactive", payload)

    await click(PAT)  # a partner: the click is a request, and the core refuses it
    refusal = await w.emu.wait_for_call("chat.postEphemeral", 10, lambda c: c.args.get("user") == PAT)
    assert "role" in refusal.args["text"], refusal.args["text"]
    assert await w.rows(t.CrmLink) == []

    await click(SAM)
    await w.update(card, "(matched by link)")
    await w.thread_line(card, "linked @jb_rides (x) to the CRM contact jon@example.com")
    [link] = await w.rows(t.CrmLink)
    assert (link.network, link.handle, link.email, link.linked_by) == ("x", "jb_rides", "jon@example.com", SAM)
    events = await w.rows(t.CaseEvent, t.CaseEvent.case_id == r.case_id, t.CaseEvent.kind == "crm_link")
    assert len(events) == 1 and events[0].actor == SAM
    await hub.wait_until(lambda: len(hub.notes_on(seeded.jon)) == 1, 10, "the kept mention on the linked contact")
    [note] = hub.notes_on(seeded.jon)
    assert note["properties"]["rejoinder_key"] == "crm:mention:x:1"
    latest = w.emu.calls_of("chat.update")[-1]
    assert link_buttons(latest) == [] and "Link Jon" not in json.dumps(latest.args.get("blocks"))
