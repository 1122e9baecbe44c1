"""Skill registration: explicit, typed, role-checked by the core dispatcher."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Core
    from bot.types import ChatUser

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

    @property
    def is_partner(self) -> bool:
        return "partner" in self.roles


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
