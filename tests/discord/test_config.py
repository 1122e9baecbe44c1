"""Discord in the workspace file: ids, not names, checked with their line."""
from __future__ import annotations

import pytest

from bot.config.loader import ConfigError, parse_workspace
from bot.people.roles import RoleResolver
from bot.types import ChatUser

GOOD = """teams:
  - {name: community, platform: discord, channel: '1100000000000000001'}
roles:
  members: {'300000000000000001': [approver]}
  groups: {'400000000000000002': [partner], '400000000000000001': [approver]}
  partner_guilds: ['800000000000000009']
  trusted_external: ['300000000000000001']
"""


def test_channel_names_and_bad_server_ids_are_reported_at_their_line():
    text = """teams:
  - {name: community, platform: discord, channel: '#support'}
roles:
  partner_guilds: ['Corner Bikes']
"""
    with pytest.raises(ConfigError) as caught:
        parse_workspace(text, file="ws.yaml")
    found = [(i.line, i.field) for i in caught.value.issues]
    assert found == [(2, "teams[0].channel"), (4, "roles.partner_guilds[0]")]
    assert "Copy ID" in caught.value.issues[0].message and "'#support'" in caught.value.issues[0].message


def test_unquoted_discord_ids_are_refused():
    text = GOOD.replace("members: {'300000000000000001'", "members: {300000000000000001")
    with pytest.raises(ConfigError) as caught:
        parse_workspace(text, file="ws.yaml")
    assert any(i.line == 4 and "quote Discord ids" in i.message for i in caught.value.issues)


def test_roles_by_user_id_role_id_and_server():
    roles = RoleResolver(parse_workspace(GOOD).roles)

    def of(user_id: str, guild: str = "800000000000000001", groups: tuple[str, ...] = ()) -> set[str]:
        return set(roles.roles_of(ChatUser(user_id, "x", "discord", team_id=guild, groups=groups)))

    assert of("300000000000000001") == {"agent", "approver"}
    assert of("300000000000000007", groups=("400000000000000001",)) == {"agent", "approver"}
    assert of("300000000000000007", groups=("400000000000000002",)) == {"partner"}  # a partner role
    assert of("300000000000000007", guild="800000000000000009") == {"partner"}  # a partner server
    assert of("300000000000000001", guild="800000000000000009") == {"agent", "approver"}  # trusted there
    # Slack set the home team: a Discord member is not external because of it.
    roles.home_team_id, roles.home_platform = "T0HOME", "slack"
    assert of("300000000000000007") == {"agent"}
    assert roles.roles_of(ChatUser("U1", "x", "slack", team_id="T0OTHER")) == {"partner"}
    # Once connected, Discord names our servers: anyone acting in another one is a partner.
    roles.home_teams["discord"] = frozenset({"800000000000000001"})
    assert of("300000000000000007") == {"agent"}
    assert of("300000000000000007", guild="800000000000000077") == {"partner"}
    assert of("300000000000000001", guild="800000000000000077") == {"agent", "approver"}  # trusted anywhere
    assert roles.roles_of(ChatUser("300000000000000007", "x", "discord")) == {"partner"}  # no server: not ours
