"""Customers, mentions, cases and their history, drafts and approvals, the outbox, cursors and watches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.tables.base import Base, _ts


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
    # Order of the item within its token: pipeline processes store batches out of order.
    seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Watch(Base):
    """Extra watched terms added from chat (`watch add`)."""

    __tablename__ = "watches"
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()


Index("ix_mentions_created", Mention.created_at)  # reports and spike baselines read by time
Index("ix_cases_opened", Case.opened_at)
Index("ix_cases_route_opened", Case.route, Case.opened_at)  # burst detection
Index("ix_customers_email_lower", func.lower(Customer.email))  # the import and lookups match emails in any case
