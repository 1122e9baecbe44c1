"""Platform-neutral types shared by the core, the skills and every integration.

Outside input (`Author`, `Mention`) is pydantic so a bad feed line fails with
a field-level error; internal values are plain dataclasses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_MENTION_CHARS = 20_000
NETWORK_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"

Severity = Literal["block", "warn"]
Priority = Literal["urgent", "high", "normal", "low"]
PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")


class Author(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    handle: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=200)
    followers: int = Field(default=0, ge=0)
    url: str | None = Field(default=None, max_length=2000)
    verified: bool = False


class Mention(BaseModel):
    """One public post about the company, as a source delivers it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    network: str = Field(pattern=NETWORK_PATTERN)
    external_id: str = Field(min_length=1, max_length=300)
    author: Author
    text: str = Field(max_length=MAX_MENTION_CHARS)
    url: str | None = Field(default=None, max_length=2000)
    created_at: datetime
    # The root post of the public conversation; replies share it.
    conversation_id: str | None = Field(default=None, max_length=300)
    in_reply_to: str | None = Field(default=None, max_length=300)
    lang: str | None = Field(default=None, max_length=16)
    # Opaque per-network data a publisher needs to reply (e.g. Bluesky cid/uri refs).
    reply_ref: dict[str, str] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    @property
    def conversation_key(self) -> str:
        return f"{self.network}:{self.conversation_id or self.external_id}"


@dataclass(frozen=True)
class RouteMatch:
    route: str
    team: str
    priority: str
    labels: tuple[str, ...]
    matched: tuple[str, ...]  # the words, tags, handles or patterns that fired


@dataclass(frozen=True)
class Signals:
    """What enrichment learnt about a mention."""

    language: str | None
    sentiment: float  # VADER compound, -1..1
    sentiment_label: str  # negative | neutral | positive
    reach: int
    flags: frozenset[str]


@dataclass(frozen=True)
class Finding:
    """One guardrail result: a person must understand `reason` without docs."""

    rule: str
    severity: Severity
    reason: str


@dataclass(frozen=True)
class OrderView:
    number: str
    placed_at: datetime
    total: float | None  # None when the viewer may not see amounts
    currency: str
    status: str


@dataclass(frozen=True)
class CustomerView:
    customer_id: int
    name: str
    tier: str
    lifetime_value: float | None
    email: str | None
    phone: str | None
    handles: tuple[str, ...]
    recent_orders: tuple[OrderView, ...]
    open_cases: tuple[int, ...]
    earlier_interactions: tuple[str, ...]
    redacted: bool = False


@dataclass(frozen=True)
class CrmItem:
    """A deal, opportunity, order, case or ticket as the card lists it."""

    kind: str  # deal | opportunity | order | case | ticket
    title: str
    status: str
    amount: float | None = None  # None when unknown or the viewer may not see amounts
    at: datetime | None = None


@dataclass(frozen=True)
class CrmContact:
    """A contact in the system of record, with the company it belongs to."""

    id: str
    name: str
    email: str | None = None
    company_id: str | None = None
    company: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class CrmProfile:
    """What the system of record knows about a contact, for the card."""

    contact: CrmContact
    tier: str | None = None
    lifetime_value: float | None = None
    open_pipeline: float | None = None
    currency: str | None = None
    recent: tuple[CrmItem, ...] = ()  # orders, deals or cases, newest first
    open_tickets: tuple[CrmItem, ...] = ()
    owner: str | None = None  # the account manager


@dataclass(frozen=True)
class CrmPanel:
    """The card's CRM section. `status`: ok | no_match | pending | unavailable."""

    system: str  # hubspot | salesforce
    status: str
    profile: CrmProfile | None = None
    matched_by: str | None = None  # handle | email | link
    suggestions: tuple[CrmContact, ...] = ()  # likely matches, never linked by themselves
    error: str | None = None
    as_of: datetime | None = None
    redacted: bool = False
    stale: bool = False  # older than the cache's TTL: shown with its date until the CRM is asked again


@dataclass(frozen=True)
class DraftView:
    draft_id: int
    version: int
    text: str
    author: str
    source: str  # "template", "llm:<model>" or "human"
    findings: tuple[Finding, ...]
    approvals: tuple[str, ...]
    approvals_required: int

    @property
    def blocked(self) -> bool:
        return any(f.severity == "block" for f in self.findings)


@dataclass
class Card:
    """What a chat platform renders for a case; kept free of any markup."""

    case_id: int
    team: str
    network: str
    author: Author
    mention_text: str
    mention_url: str | None
    sentiment: float
    sentiment_label: str
    priority: str
    route: str
    matched: tuple[str, ...]
    labels: tuple[str, ...]
    flags: tuple[str, ...]
    stage: str
    assignee: str | None
    sla_due_at: datetime | None
    customer: CustomerView | None
    draft: DraftView | None
    mentions_in_case: int = 1
    actions: tuple[str, ...] = ()
    incident_count: int = 0  # an incident's mentions, with those of the cases folded into it
    incident_samples: tuple[str, ...] = ()
    folded_cases: tuple[int, ...] = ()  # an incident's cases opened before the burst was recognised
    incident_of: int | None = None  # the incident this case was folded into
    mention_edited: bool = False  # the root mention (whose text is shown) was edited by its author
    mention_deleted: bool = False  # the root mention was deleted by its author
    crm: CrmPanel | None = None  # what the system of record knows (when one is configured)


@dataclass(frozen=True)
class ChatUser:
    id: str
    name: str
    platform: str = "console"
    team_id: str | None = None  # the chat workspace; differs from ours for partners
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageRef:
    platform: str
    channel: str
    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class PostedReply:
    network: str
    external_id: str
    url: str | None = None


@dataclass
class DraftRequest:
    """Everything a drafter may use. `mention_text` is data, never instructions."""

    case_id: int
    network: str
    author_name: str
    author_handle: str
    mention_text: str
    conversation: list[tuple[str, str]]  # (speaker, text), oldest first
    customer: CustomerView | None
    labels: tuple[str, ...]
    guidelines: str
    brand_voice: str
    length_limit: int
    instruction: str | None = None  # e.g. "shorter and warmer" on a redraft
    previous_draft: str | None = None
    flags: frozenset[str] = frozenset()


@dataclass
class DraftResult:
    reply: str
    rationale: str
    confidence: float
    needs_escalation: bool
    source: str  # "template" or "llm:<model>"


@dataclass
class CommandResult:
    """What a skill tells the person who invoked it."""

    text: str
    ok: bool = True
    ephemeral: bool = True
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CaseSummary:
    case_id: int
    team: str
    stage: str
    priority: str
    network: str
    author_handle: str
    excerpt: str
    sla_due_at: datetime | None


@dataclass
class HomeView:
    """A person's dashboard (Slack App Home, console `home`)."""

    user: ChatUser
    assigned_to_me: list[CaseSummary]
    awaiting_my_approval: list[CaseSummary]
    sla_breaches: list[CaseSummary]
    volume_today: dict[str, int]  # team -> mentions routed today
    sentiment_mix: dict[str, int]  # negative / neutral / positive -> count today
