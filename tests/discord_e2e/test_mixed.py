"""One workspace, two platforms: a team on Slack and a team on Discord share
one core and one database, and each case goes to its team's platform."""
from __future__ import annotations

from bot.store import tables as t
from tests.discord_e2e.world import DANA, SUPPORT, start_world
from tests.emulators.slack import SlackEmulator
from tests.slack_e2e import world as slack_world

WORKSPACE = f"""
version: 1
organisation: {{name: Acme, handles: {{x: acme}}}}
teams:
  - {{name: care, platform: slack, channel: {slack_world.SUPPORT}}}
  - {{name: community, platform: discord, channel: '{SUPPORT}'}}
routes:
  - {{name: community, team: community, match: {{hashtag: modding}}}}
  - {{name: care, team: care, match: {{all: [{{handle: acme}}, {{keyword: [order, late]}}]}}}}
roles:
  members: {{{slack_world.DANA}: [approver], {slack_world.SAM}: [agent], '{DANA}': [approver]}}
approval: {{approvers_required: 1}}
sources:
  - {{type: replay, name: feed, path: feed.jsonl, output: replies.jsonl}}
"""


async def test_each_case_goes_to_its_teams_platform(emu, tmp_path, sqlite_url):
    slack = await SlackEmulator().start()
    slack_world.people(slack)
    world = await start_world(emu, sqlite_url, tmp_path, workspace=WORKSPACE, settings_extra={
        "slack_bot_token": slack.bot_token, "slack_app_token": slack.app_token, "slack_api_base_url": slack.api_url})
    try:
        assert set(world.app.platforms) == {"slack", "discord"}
        care, community = await world.ingest(slack_world.mention(1, "@acme my order is late"),
                                             slack_world.mention(2, "anyone tried #modding the frame?", handle="lin"))
        slack_card = await slack.wait_for_call("chat.postMessage", 10,
                                               lambda c: slack_world.case_of(c) == care.case_id)
        discord_card = await world.card(community.case_id)
        assert slack_card.args["channel"] == slack_world.SUPPORT and discord_card["channel_id"] == SUPPORT
        assert world.case_of_calls(community.case_id, slack) == [] and care.case_id not in world.cards_on_discord()

        # Slack set the home team; a Discord approver is still one of ours, not a partner.
        assert world.app.core.roles.home_platform == "slack"
        await emu.answered(await emu.slash(DANA, SUPPORT, "help"), "You act as Dana Approver (agent, approver)")
        await world.handled.wait("chat.post", community.case_id)
        await world.click(DANA, discord_card, "draft")
        await world.update(discord_card, "Draft v1")

        await slack.push("interactive", slack.block_action(
            slack_world.SAM, slack_card.response["channel"], slack_card.response["ts"], "rejoinder:draft",
            value=str(care.case_id), block_id=f"case:{care.case_id}"))
        await slack.wait_for_call("chat.update", 10, lambda c: "Draft v1" in slack_world.texts(c))
        drafts = await world.rows(t.Draft)
        assert sorted((d.case_id, d.author) for d in drafts) == [(care.case_id, slack_world.SAM), (community.case_id, DANA)]
        assert not [c for c in slack.calls_of("chat.update") if slack_world.case_of(c) == community.case_id]
    finally:
        await world.stop()
        await slack.close()
