"""Database tables (SQLAlchemy 2). The schema itself is owned by the Alembic
migrations in bot/store/migrations; these classes must match them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _ts() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    lifetime_value: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = _ts()


class Identity(Base):
    """A handle on a network (or an email) that resolves to a customer."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("network", "handle"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200), index=True)  # casefolded, without "@"


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    placed_at: Mapped[datetime] = _ts()
    total: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32))


class Author(Base):
    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("network", "handle"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200), index=True)  # batches look authors up by handle
    name: Mapped[str] = mapped_column(String(200), default="")
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    url: Mapped[str | None] = mapped_column(String(2000))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One case per conversation, also when several processes ingest at once.
    conversation_key: Mapped[str] = mapped_column(String(400), index=True, unique=True)
    team: Mapped[str] = mapped_column(String(40), index=True)
    route: Mapped[str] = mapped_column(String(60))
    priority: Mapped[str] = mapped_column(String(10))
    labels: Mapped[list] = mapped_column(JSON, default=list)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    network: Mapped[str] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    is_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    # Cases opened early in a burst point at the incident that folded the rest.
    incident_of: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    opened_at: Mapped[datetime] = _ts()
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    card_ref: Mapped[dict | None] = mapped_column(JSON)  # where the card lives in chat
    card_key: Mapped[str | None] = mapped_column(String(300), unique=True)  # platform:channel:message id
    resolve_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the resolution SLA


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("network", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(300), index=True)  # batches look mentions up by id
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = _ts()
    ingested_at: Mapped[datetime] = _ts()
    conversation_key: Mapped[str] = mapped_column(String(400), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    route: Mapped[str | None] = mapped_column(String(60))
    matched: Mapped[list] = mapped_column(JSON, default=list)
    reply_ref: Mapped[dict] = mapped_column(JSON, default=dict)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseEvent(Base):
    """Append-only timeline of a case: also the audit log."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = _ts()
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    case: Mapped["Case"] = relationship(lazy="raise")


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("case_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))  # who wrote this version
    source: Mapped[str] = mapped_column(String(80))  # template | llm:<model> | human
    rationale: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    needs_escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _ts()


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("draft_id", "approver"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    approver: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = _ts()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="note")  # note | suggestion
    chat_ref: Mapped[str | None] = mapped_column(String(200), unique=True)  # dedupes chat deliveries
    at: Mapped[datetime] = _ts()


class Outbox(Base):
    """Every external side effect, written with the state change that causes it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # publish_reply
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = _ts()
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _ts()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The process carrying the row out and until when; an expired lease is recovered.
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    case: Mapped["Case | None"] = relationship(lazy="raise")


class CustomerEvent(Base):
    """A customer's timeline across networks and cases (the 360° view)."""

    __tablename__ = "customer_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _ts()
    kind: Mapped[str] = mapped_column(String(30))  # mention | reply | note
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    network: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    case: Mapped["Case | None"] = relationship(lazy="raise")
    # Set when written back through the directory port: a retry finds it by this key.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)


class Cursor(Base):
    __tablename__ = "cursors"
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = _ts()
    token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # fencing token of the writer


class Watch(Base):
    """Extra watched terms added from chat (`watch add`)."""

    __tablename__ = "watches"
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()


class Spike(Base):
    """A lasting rise in mentions on a route, label or watched term; its alert is edited in place."""

    __tablename__ = "spikes"
    __table_args__ = (UniqueConstraint("series", "started_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(260), index=True)  # route:<name> | label:<name> | term:<term>
    team: Mapped[str] = mapped_column(String(40))  # whose channel carries the alert
    started_at: Mapped[datetime] = _ts()
    updated_at: Mapped[datetime] = _ts()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    updates: Mapped[int] = mapped_column(Integer, default=0)
    message_ref: Mapped[dict | None] = mapped_column(JSON)


class CrisisMode(Base):
    """Routes switched to their team's crisis workflow from chat."""

    __tablename__ = "crisis_modes"
    route: Mapped[str] = mapped_column(String(60), primary_key=True)
    on: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()


Index("ix_mentions_created", Mention.created_at)  # reports and spike baselines read by time
Index("ix_cases_opened", Case.opened_at)
class CrmLink(Base):
    """A handle a person linked to a CRM contact in chat (`link @handle to email`)."""

    __tablename__ = "crm_links"
    __table_args__ = (UniqueConstraint("network", "handle"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(32))  # "*": every network
    handle: Mapped[str] = mapped_column(String(200))  # casefolded, without "@"
    email: Mapped[str] = mapped_column(String(320))
    linked_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()


class CrmCache(Base):
    """What the CRM said about an author, read by cards without calling it."""

    __tablename__ = "crm_cache"
    subject: Mapped[str] = mapped_column(String(240), primary_key=True)  # network:handle
    status: Mapped[str] = mapped_column(String(16))  # ok | no_match | unavailable
    contact_id: Mapped[str | None] = mapped_column(String(64))
    matched_by: Mapped[str | None] = mapped_column(String(16))
    profile: Mapped[dict | None] = mapped_column(JSON)
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last good answer
    tried_at: Mapped[datetime] = _ts()
class Lease(Base):
    """Who runs a source in a cluster; `token` grows on every change of holder (fencing)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = _ts()


class Process(Base):
    """A running `rejoinder run`, seen through its heartbeat."""

    __tablename__ = "processes"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    roles: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = _ts()
    seen_at: Mapped[datetime] = _ts()


class DeadLetter(Base):
    """An item the pipeline could not store, kept with its reason for replay."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)  # the bus payload as ASCII JSON (no raw NUL)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = _ts()
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


Index("ix_cases_route_opened", Case.route, Case.opened_at)  # burst detection
Index("ix_customers_email_lower", func.lower(Customer.email))  # the import and lookups match emails in any case


class ChatInbox(Base):
    """Chat input (a click, a slash command, a thread message) written before
    the platform is acknowledged, then handled from here: a crash after the
    ack loses nothing. (platform, key) is the platform's own id for it."""

    __tablename__ = "chat_inbox"
    __table_args__ = (UniqueConstraint("platform", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    lane: Mapped[str] = mapped_column(String(200), default="")  # one person's inputs are handled in order
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending|handling|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _ts()
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Arrival(Base):
    """Mentions a push source (the webhook) has accepted and answered for,
    kept until the pipeline has stored them; the id is the source's cursor."""

    __tablename__ = "arrivals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = _ts()


class TriageVerdict(Base):
    """The LLM's triage of a post, cached by (model, text hash) so a post seen
    again (a retry, a repost, a restart) costs no second call."""

    __tablename__ = "triage_verdicts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of model and text
    model: Mapped[str] = mapped_column(String(100))
    needs_response: Mapped[bool] = mapped_column(Boolean)
    intent: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = _ts()


class TriageSpend(Base):
    """LLM triage calls made per UTC day, held to `triage.llm_daily_budget`."""

    __tablename__ = "triage_spend"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    calls: Mapped[int] = mapped_column(Integer, default=0)
