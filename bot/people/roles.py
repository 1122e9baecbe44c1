"""Who is who: chat users and groups map to roles through the workspace file.

A chat user from another workspace (Slack Connect) is a partner unless the
config trusts them explicitly."""
from __future__ import annotations

from bot.config.workspace import Roles
from bot.types import ChatUser

RANK = {"agent": 1, "approver": 2, "admin": 3}


class RoleResolver:
    def __init__(self, roles: Roles, home_team_id: str | None = None) -> None:
        self.cfg = roles
        self.home_team_id = home_team_id
        self.home_platform: str | None = None  # the platform home_team_id is from; None: any
        # Platforms whose own workspaces span several ids (Discord: the servers
        # holding our team channels): anyone acting elsewhere is external.
        self.home_teams: dict[str, frozenset[str]] = {}

    def roles_of(self, user: ChatUser) -> frozenset[str]:
        if self._external(user):
            return frozenset({"partner"})
        found: set[str] = set(self.cfg.members.get(user.id, ()))
        for group in user.groups:
            found.update(self.cfg.groups.get(group, ()))
        if "partner" in found:
            return frozenset({"partner"})  # a partner never holds internal roles too
        if not found:
            found.add(self.cfg.default)
        # Higher roles include the lower ones: an admin can do what an agent can.
        top = max((RANK[r] for r in found if r in RANK), default=0)
        found.update(r for r, rank in RANK.items() if rank <= top)
        return frozenset(found)

    def is_partner(self, user: ChatUser) -> bool:
        return "partner" in self.roles_of(user)

    def _external(self, user: ChatUser) -> bool:
        if user.id in self.cfg.trusted_external:
            return False
        if user.team_id and user.team_id in self.cfg.partner_guilds:
            return True
        homes = self.home_teams.get(user.platform)
        if homes is not None:
            return user.team_id not in homes  # no server at all (a direct message) is not ours either
        if self.home_platform and user.platform != self.home_platform:
            return False  # another platform's workspace ids mean nothing here
        return bool(
            self.home_team_id
            and user.team_id
            and user.team_id != self.home_team_id
            and user.id not in self.cfg.trusted_external
        )
