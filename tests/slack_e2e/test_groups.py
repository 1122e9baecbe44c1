"""Slack user groups grant roles through `roles.groups`: a member of the
approvers group may approve without being listed in `roles.members`, loses
that once Slack says they left the group, and a failing `usergroups.list`
never blocks a click."""
from __future__ import annotations

import asyncio
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.store import tables as t
from integrations.chat.slack.groups import SlackUserGroups
from tests.slack_e2e.world import APPROVERS, DANA, NEWBIE, SAM, mention

ONCALL, RETIRED = "S0ONCALL", "S0RETIRED"


def include_users(call) -> bool:
    return str(call.args.get("include_users")).lower() in ("1", "true")


async def test_a_group_member_not_listed_in_members_can_approve_and_it_is_published_once(world, emu):
    emu.add_group(APPROVERS, "support-approvers", [NEWBIE])
    case_id, card = await world.drafted()
    [draft] = await world.rows(t.Draft, t.Draft.case_id == case_id)

    await world.click(NEWBIE, card, "approve")
    await world.thread_line(card, "Nia Newbie approved draft v1 (1/1)")
    await world.thread_line(card, "Published on x")
    assert [p["text"] for p in world.published()] == [draft.text]

    await world.click(NEWBIE, card, "approve")  # a double click
    await world.told(NEWBIE, "is published")
    assert len(world.published()) == 1
    assert await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused") == []  # a no-op, not a refusal
    # Sam's click and both of Nia's were answered from one cached list.
    lists = emu.calls_of("usergroups.list")
    assert len(lists) == 1 and include_users(lists[0]) and lists[0].response["ok"]


async def test_leaving_the_group_takes_the_role_away_once_the_cache_expires(make_world, sqlite_url, emu):
    world = await make_world(sqlite_url, group_cache_seconds=0)
    emu.add_group(APPROVERS, "support-approvers", [NEWBIE])
    first, first_card = await world.drafted(1)
    await world.click(NEWBIE, first_card, "approve")
    await world.thread_line(first_card, "Published on x")

    emu.set_group_members(APPROVERS, [DANA])  # Nia left the group in Slack
    second, second_card = await world.drafted(2, "@acme my other order is broken, help")
    assert second != first
    await world.click(NEWBIE, second_card, "approve")
    told = await world.told(NEWBIE, "needs the role admin or approver")
    assert told.args["text"].startswith("`approve`")
    assert [p["in_reply_to"] for p in world.published()] == ["1"]
    assert (await world.case(second)).stage == "awaiting_approval"
    refused = await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused")
    assert [(e.case_id, e.actor) for e in refused] == [(second, NEWBIE)]


async def test_a_failing_usergroups_list_still_lets_an_agent_click_through_and_warns(world, emu, caplog):
    emu.add_group(APPROVERS, "support-approvers", [NEWBIE])
    emu.fail_next("usergroups.list", status=200, error="missing_scope", retry_after=None)
    [result] = await world.ingest(mention(1, "@acme my order never arrived, can you help?"))
    card = await world.card(result.case_id)
    await world.handled.wait("chat.post", result.case_id)

    await world.click(NEWBIE, card, "draft")  # agent level: the default role is enough
    await world.thread_line(card, "Nia Newbie asked for a draft: v1")
    [failed] = emu.calls_of("usergroups.list")
    assert failed.response == {"ok": False, "error": "missing_scope"}
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and r.name == "integrations.chat.slack.groups"]
    assert warnings and "missing_scope" in warnings[0]


async def test_the_group_list_is_cached_for_its_ttl_and_refreshed_lazily(emu, caplog):
    now = [1000.0]
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    groups = SlackUserGroups(client, ttl=300, clock=lambda: now[0])
    emu.add_group(APPROVERS, "support-approvers", [NEWBIE])
    emu.add_group(ONCALL, "on-call", [NEWBIE, SAM])
    emu.add_group(RETIRED, "retired", [SAM])
    emu.disable_group(RETIRED)  # a disabled group grants nothing

    # Lookups arriving together share one call.
    assert await asyncio.gather(groups.of(NEWBIE), groups.of(SAM), groups.of(DANA)) == [
        (APPROVERS, ONCALL), (ONCALL,), ()]
    assert len(emu.calls_of("usergroups.list")) == 1

    emu.set_group_members(APPROVERS, [])
    now[0] += 299
    assert await groups.of(NEWBIE) == (APPROVERS, ONCALL)  # still cached
    assert len(emu.calls_of("usergroups.list")) == 1
    now[0] += 2
    assert await groups.of(NEWBIE) == (ONCALL,)
    assert len(emu.calls_of("usergroups.list")) == 2

    # A failure means no groups, is not retried on every lookup, and heals.
    emu.fail_next("usergroups.list", status=200, error="ratelimited", retry_after=None)
    now[0] += 301
    with caplog.at_level(logging.WARNING):
        assert await groups.of(SAM) == ()
    assert "ratelimited" in caplog.text
    now[0] += 10
    assert await groups.of(SAM) == ()
    assert len(emu.calls_of("usergroups.list")) == 3
    now[0] += 30
    assert await groups.of(SAM) == (ONCALL,)
    assert len(emu.calls_of("usergroups.list")) == 4
