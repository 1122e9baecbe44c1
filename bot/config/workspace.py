"""The workspace file (rejoinder.yaml): teams, routes, workflow, roles,
approval policy, guidelines, SLAs and sources. Unknown keys are errors."""
from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.base import Strict, parse_duration  # noqa: F401 - parse_duration: read from here too
from bot.config.guidelines import DEFAULT_LENGTH_LIMITS, Contacts, Guidelines  # noqa: F401
from bot.config.insights import BusinessHours, Crisis, Escalation, ReportSchedule, SlaTeam, Spikes
from bot.config.crm import CrmConfig, SinkConfig, route_problems
from bot.config.match import MatchExpr
from bot.config.sources import SourceConfig

ROLES = ("agent", "approver", "admin", "partner")
Role = Literal["agent", "approver", "admin", "partner"]
PriorityName = Literal["urgent", "high", "normal", "low"]

DEFAULT_STAGES = [
    "new", "triaged", "drafting", "awaiting_approval", "approved", "published",
    "resolved", "escalated", "rejected", "closed_without_reply",
]
# What each core action moves a case to; a workflow may rename targets.
DEFAULT_ACTIONS = {
    "triage": "triaged",
    "draft": "awaiting_approval",
    "approve": "approved",
    "publish": "published",
    "reject": "rejected",
    "escalate": "escalated",
    "resolve": "resolved",
    "close": "closed_without_reply",
}
# Mastodon allows 500, but the reply starts with "@author " (up to 32 characters), which the draft does not hold.



class Organisation(Strict):
    name: str = "Acme"
    # Our own accounts per network: never routed as customers, used for reply checks.
    handles: dict[str, str] = Field(default_factory=dict)
    contacts: Contacts = Field(default_factory=Contacts)


class Team(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    platform: Literal["console", "slack", "discord"] = "console"
    channel: str = Field(min_length=1)
    partner: bool = False  # a shared channel with an outside company
    workflow: str = "default"
    crisis: Crisis | None = None  # the team's crisis workflow, switched on per route


class Route(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,59}$")
    team: str
    priority: PriorityName = "normal"
    labels: list[str] = Field(default_factory=list)
    match: MatchExpr
    crisis: bool = False  # start in crisis mode (`crisis <route> on|off` switches it from chat)


class Transition(Strict):
    from_: str = Field(alias="from")
    to: list[str]
    roles: list[Role] = Field(default_factory=lambda: ["agent", "approver", "admin"])

    @field_validator("to", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else v


def _default_transitions() -> list[Transition]:
    t = Transition.model_validate
    everyone = ["agent", "approver", "admin"]
    return [
        t({"from": "new", "to": ["triaged", "drafting", "awaiting_approval", "escalated", "closed_without_reply", "resolved"]}),
        t({"from": "triaged", "to": ["drafting", "awaiting_approval", "escalated", "closed_without_reply", "resolved"]}),
        t({"from": "drafting", "to": ["awaiting_approval", "escalated", "closed_without_reply"]}),
        t({"from": "awaiting_approval", "to": ["awaiting_approval", "approved", "rejected", "escalated"], "roles": everyone}),
        t({"from": "approved", "to": ["published", "awaiting_approval"], "roles": everyone}),
        t({"from": "rejected", "to": ["drafting", "awaiting_approval", "closed_without_reply", "escalated"]}),
        t({"from": "escalated", "to": ["drafting", "awaiting_approval", "closed_without_reply", "resolved"]}),
        t({"from": "published", "to": ["resolved", "awaiting_approval"]}),
        t({"from": "resolved", "to": ["triaged"]}),
        t({"from": "closed_without_reply", "to": ["triaged"]}),
    ]


class Workflow(Strict):
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    initial: str = "new"
    transitions: list[Transition] = Field(default_factory=_default_transitions)
    actions: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ACTIONS))

    @model_validator(mode="after")
    def _consistent(self) -> "Workflow":
        known = set(self.stages)
        if self.initial not in known:
            raise ValueError(f"initial stage {self.initial!r} is not in stages")
        for tr in self.transitions:
            for stage in [tr.from_, *tr.to]:
                if stage not in known:
                    raise ValueError(f"transition uses unknown stage {stage!r}")
        for action, stage in self.actions.items():
            if action not in DEFAULT_ACTIONS:
                raise ValueError(f"unknown action {action!r}; known: {', '.join(DEFAULT_ACTIONS)}")
            if stage not in known:
                raise ValueError(f"action {action!r} targets unknown stage {stage!r}")
        return self


class Roles(Strict):
    default: Role = "agent"  # anyone from our own chat workspace not listed below
    members: dict[str, list[Role]] = Field(default_factory=dict)  # chat user id -> roles
    groups: dict[str, list[Role]] = Field(default_factory=dict)  # chat user group id -> roles
    # Users from another chat workspace (Slack Connect) are partners unless listed here.
    trusted_external: list[str] = Field(default_factory=list)
    # Discord servers (guild ids) whose members are partners: a partner's own
    # server where one of our team channels lives.
    partner_guilds: list[str] = Field(default_factory=list)


class HighRisk(Strict):
    min_followers: int | None = Field(default=50_000, ge=0)
    labels: list[str] = Field(default_factory=lambda: ["legal", "crisis"])
    flags: list[str] = Field(default_factory=lambda: ["legal_threat", "safety"])
    approvers_required: int = Field(default=2, ge=1, le=5)


class ApprovalPolicy(Strict):
    approvers_required: int = Field(default=1, ge=1, le=5)
    four_eyes: bool = True  # nobody approves their own draft or edit
    high_risk: HighRisk = Field(default_factory=HighRisk)


class Sla(Strict):
    first_response: dict[PriorityName, str] = Field(
        default_factory=lambda: {"urgent": "30m", "high": "1h", "normal": "4h", "low": "24h"}
    )

    resolution: dict[PriorityName, str] = Field(default_factory=dict)
    warn_at: float = Field(default=0.8, gt=0, lt=1)  # share of a target at which the team is warned
    hours: BusinessHours | None = None  # None: the clocks run around the clock
    escalation: Escalation = Field(default_factory=Escalation)
    teams: dict[str, SlaTeam] = Field(default_factory=dict)

    @field_validator("first_response", "resolution")
    @classmethod
    def _durations(cls, v: dict[str, str]) -> dict[str, str]:
        for value in v.values():
            parse_duration(value)
        return v

    def target(self, priority: str, team: str | None = None, kind: str = "first_response") -> timedelta | None:
        own = getattr(self.teams.get(team), kind, {}) if team else {}
        value = own.get(priority) or getattr(self, kind).get(priority)  # type: ignore[call-overload]
        return parse_duration(value) if value else None


class Incidents(Strict):
    """Fold bursts on one route into one incident card."""

    threshold: int = Field(default=10, ge=2)  # cases opened on one route within the window
    window: str = "10m"
    routes: list[str] | None = None  # routes that may fold into incidents; None: all

    @field_validator("window")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v


class Triage(Strict):
    # A model file written by `rejoinder triage learn`, relative to this file; none: the shipped model.
    model: str | None = None
    # Ask the configured LLM about kept mentions too, at most this many calls a day (0: never).
    llm_daily_budget: int = Field(default=0, ge=0)


class Workspace(Strict):
    version: Literal[1] = 1
    organisation: Organisation = Field(default_factory=Organisation)
    teams: list[Team] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    workflows: dict[str, Workflow] = Field(default_factory=lambda: {"default": Workflow()})
    roles: Roles = Field(default_factory=Roles)
    approval: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    guidelines: Guidelines = Field(default_factory=Guidelines)
    sla: Sla = Field(default_factory=Sla)
    incidents: Incidents = Field(default_factory=Incidents)
    sources: list[SourceConfig] = Field(default_factory=list)
    spikes: Spikes = Field(default_factory=Spikes)
    reports: list[ReportSchedule] = Field(default_factory=list)
    crm: CrmConfig | None = None  # the system of record (bot/config/crm.py)
    sinks: list[SinkConfig] = Field(default_factory=list)
    triage: Triage = Field(default_factory=Triage)

    @model_validator(mode="after")
    def _references(self) -> "Workspace":
        teams = {t.name for t in self.teams}
        if len(teams) != len(self.teams):
            raise ValueError("team names must be unique")
        if "default" not in self.workflows:
            self.workflows["default"] = Workflow()
        for team in self.teams:
            if team.workflow not in self.workflows:
                raise ValueError(f"team {team.name!r} uses unknown workflow {team.workflow!r}")
        seen: set[str] = set()
        for route in self.routes:
            if route.team not in teams:
                raise ValueError(f"route {route.name!r} sends to unknown team {route.team!r}")
            if route.name in seen:
                raise ValueError(f"route name {route.name!r} is used twice")
            seen.add(route.name)
        for name in self.incidents.routes or ():
            if name not in seen:
                raise ValueError(f"incidents.routes names unknown route {name!r}")
        for name in [*self.sla.teams, *(r.team for r in self.reports), *([self.spikes.team] if self.spikes.team else []),
                     *(t.crisis.team for t in self.teams if t.crisis and t.crisis.team)]:
            if name not in teams:
                raise ValueError(f"sla, spikes, reports or crisis name unknown team {name!r}")
        for esc in [self.sla.escalation, *(own.escalation for own in self.sla.teams.values() if own.escalation)]:
            if esc.move and esc.move not in DEFAULT_ACTIONS:
                raise ValueError(f"sla escalation move {esc.move!r} is not an action; actions: {', '.join(DEFAULT_ACTIONS)}")
        for route in self.routes:
            if route.crisis and self.team(route.team).crisis is None:
                raise ValueError(f"route {route.name!r} starts in crisis mode but team {route.team!r} has no crisis workflow")
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError("source names must be unique")
        for problem in route_problems(self.crm, seen):
            raise ValueError(problem)
        return self

    def team(self, name: str) -> Team:
        return next(t for t in self.teams if t.name == name)

    def workflow_for(self, team: str) -> Workflow:
        return self.workflows[self.team(team).workflow]
