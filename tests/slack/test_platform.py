"""The outbound half of the port, start-up facts and the app manifest."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.ports import ChatPlatform
from bot.types import ChatUser
from integrations.chat.slack import inputs
from integrations.chat.slack.platform import SlackPlatform
from tests.slack.conftest import AGENT, BOSS, CARE

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


async def test_start_learns_who_we_are_from_auth_test(emu, slack):
    assert isinstance(slack, ChatPlatform)
    assert (slack.home_team_id, slack.bot_user_id) == (emu.team_id, emu.bot_user_id)
    assert emu.calls_of("apps.connections.open")[0].token == emu.app_token


async def test_post_in_thread_replies_under_the_card(emu, slack, posted):
    card, ref = posted
    reply = await slack.post_in_thread(ref, "Refund sent <3 & done")
    call = await emu.wait_for_call("chat.postMessage", count=2)
    assert call.args["thread_ts"] == ref.message_id
    assert call.args["text"] == "Refund sent &lt;3 &amp; done"
    assert (reply.thread_id, reply.channel) == (ref.message_id, CARE) and reply.message_id != ref.message_id


async def test_tell_is_ephemeral_in_a_channel_and_a_direct_message_otherwise(emu, slack):
    agent = ChatUser(AGENT, "Ana Agent", platform="slack")
    await slack.tell(agent, CARE, "Only you can see this")
    ephemeral = await emu.wait_for_call("chat.postEphemeral")
    assert (ephemeral.args["user"], ephemeral.args["channel"]) == (AGENT, CARE)
    await slack.tell(agent, None, "A direct note")
    direct = await emu.wait_for_call("chat.postMessage")
    assert (direct.args["channel"], direct.args["text"]) == (AGENT, "A direct note")


async def test_tell_falls_back_to_a_direct_message_when_the_ephemeral_fails(emu, slack):
    emu.fail_next("chat.postEphemeral", status=200, error="user_not_in_channel", retry_after=None)
    await slack.tell(ChatUser(BOSS, "Bea Boss", platform="slack"), CARE, "Heads up")
    direct = await emu.wait_for_call("chat.postMessage")
    assert direct.args["channel"] == BOSS and direct.response["ok"]


async def test_real_names_are_looked_up_once(emu, slack):
    first = await slack.user(BOSS)
    again = await slack.user(BOSS)
    assert first == again == ChatUser(BOSS, "Bea Boss", platform="slack", team_id=emu.team_id)
    assert len(emu.calls_of("users.info")) == 1
    unknown = await slack.user("U0GHOST", team_hint="T0ELSE")
    assert (unknown.name, unknown.team_id) == ("U0GHOST", "T0ELSE")


def test_settings_mistakes_are_named():
    with pytest.raises(ValueError, match="bot_token"):
        SlackPlatform("", "xapp-1", None)
    with pytest.raises(ValueError, match="app_token.*xapp-"):
        SlackPlatform("xoxb-1", "xoxb-wrong", None)
    with pytest.raises(ValueError, match="signing_secret"):
        SlackPlatform("xoxb-1", None, None)


def test_the_manifest_asks_for_exactly_what_is_used():
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read", "channels:history", "groups:history", "chat:write", "commands", "users:read",
        "usergroups:read", "channels:read", "groups:read", "files:write"}
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.channels", "message.groups"}
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/rejoinder"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


# Each Web API method the Slack code calls, with the bot scopes it needs.
METHOD_SCOPES = {
    "auth_test": set(), "chat_postMessage": {"chat:write"}, "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"}, "conversations_replies": {"channels:history", "groups:history"},
    "conversations_history": {"channels:history", "groups:history"}, "users_info": {"users:read"},
    "usergroups_list": {"usergroups:read"}, "views_open": set(), "views_update": set(), "views_publish": set(),
    "conversations_list": {"channels:read", "groups:read"}, "files_upload_v2": {"files:write"},
}
# Each event the app listens to, with the subscriptions and scopes it needs.
EVENT_NEEDS = {
    "message": ({"message.channels", "message.groups"}, {"channels:history", "groups:history"}),
    "app_mention": ({"app_mention"}, {"app_mentions:read"}),
    "app_home_opened": ({"app_home_opened"}, set()),
}


def test_the_manifest_matches_the_methods_and_events_the_code_uses():
    source = "\n".join(p.read_text() for p in (MANIFEST.parent / "integrations" / "chat" / "slack").glob("*.py"))
    methods = set(re.findall(r"\bclient\.([a-z]+_[A-Za-z_0-9]+)\b", source))
    events, commands = set(inputs.EVENTS), {inputs.COMMAND}  # the inbox records them before any listener
    assert methods - METHOD_SCOPES.keys() == set(), "a new Web API method: add it and its scopes here"
    assert events - EVENT_NEEDS.keys() == set(), "a new event: add it and its scopes here"
    assert {"chat_postMessage", "conversations_replies", "users_info", "usergroups_list", "views_publish"} <= methods
    needed = set().union(*(METHOD_SCOPES[m] for m in methods), *(EVENT_NEEDS[e][1] for e in events))
    needed |= {"commands"} if commands else set()
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set().union(*(EVENT_NEEDS[e][0] for e in events))
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == sorted(commands) == ["/rejoinder"]
