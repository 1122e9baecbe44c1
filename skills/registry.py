"""Skill registration: explicit, typed, role-checked by the core dispatcher."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.types import ChatUser

if TYPE_CHECKING:
    from bot.core import Core

INTERNAL = frozenset({"agent", "approver", "admin"})
APPROVERS = frozenset({"approver", "admin"})
ADMINS = frozenset({"admin"})
EVERYONE = INTERNAL | {"partner"}


@dataclass
class SkillContext:
    core: "Core"
    user: "ChatUser"
    roles: frozenset[str]
    args: str
    case_id: int | None
    channel: str | None
    people: dict[str, ChatUser] = field(default_factory=dict)  # people the command names, by user id

    @property
    def is_partner(self) -> bool:
        return "partner" in self.roles

    def person(self, user_id: str) -> ChatUser:
        """A person named in the command, as the platform knows them; one it
        did not resolve keeps the id as their name."""
        return self.people.get(user_id) or ChatUser(id=user_id, name=user_id, platform=self.user.platform)


SkillFn = Callable[[SkillContext], Awaitable[str]]


@dataclass(frozen=True)
class Skill:
    name: str
    fn: SkillFn
    usage: str
    summary: str
    roles: frozenset[str]
    needs_case: bool


class Registry:
    def __init__(self) -> None:
        self.skills: dict[str, Skill] = {}

    def add(self, name: str, usage: str, summary: str, roles: frozenset[str], needs_case: bool = True):
        def register(fn: SkillFn) -> SkillFn:
            if name in self.skills:
                raise ValueError(f"skill {name!r} registered twice")
            self.skills[name] = Skill(name, fn, usage, summary, roles, needs_case)
            return fn

        return register

    def get(self, name: str) -> Skill | None:
        return self.skills.get(name.lower())

    def allowed(self, roles: frozenset[str]) -> list[Skill]:
        return [s for s in self.skills.values() if s.roles & roles]


registry = Registry()
skill = registry.add
