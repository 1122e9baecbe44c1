"""The brand's usage guidelines and its own contacts, as the guardrails read them."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.base import Strict

DEFAULT_LENGTH_LIMITS = {"x": 280, "bluesky": 300, "mastodon": 468, "reddit": 10_000, "threads": 500}


class Contacts(Strict):
    """The brand's own hotline numbers, addresses and sites: replies may share
    them, so the guardrails never count them as personal data or foreign links."""
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)  # stores, offices, returns depots: "350 Fifth Avenue, NY 10118"
    region: str = Field(default="US", pattern=r"^[A-Z]{2}$")  # how to read numbers written without +country

    @model_validator(mode="after")
    def _phones(self) -> "Contacts":
        import phonenumbers  # read only when a workspace declares contacts

        for number in self.phones:
            try:
                parsed = phonenumbers.parse(number, None if number.strip().startswith("+") else self.region)
                possible = phonenumbers.is_possible_number(parsed)
            except phonenumbers.NumberParseException:
                possible = False
            if not possible:
                raise ValueError(f"phones: {number!r} is not a phone number (write it as +1 800 555 0199, or "
                                 f"as dialled in region {self.region})")
        return self

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for address in v:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address.strip()):
                raise ValueError(f"{address!r} is not an email address")
        return v

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for address in v:
            if not re.search(r"\w", address):
                raise ValueError(f"{address!r} is not an address")
        return v

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        for domain in v:
            host = domain.strip().lower().split("://")[-1].split("/")[0].removeprefix("*.")
            if not re.fullmatch(r"(?:[\w-]+\.)+[\w-]{2,}", host):
                raise ValueError(f"{domain!r} is not a domain such as acme.com")
        return v


class Guidelines(Strict):
    document: str | None = None  # path to a Markdown file, relative to the workspace file
    text: str = ""  # inline guidelines (used when no document is given)
    brand_voice: str = "Warm, plain and brief. Own the problem, offer one next step, no jargon."
    banned_terms: list[str] = Field(default_factory=list)
    confidential_terms: list[str] = Field(default_factory=list)
    escalation_promises: list[str] = Field(default_factory=lambda: [
        "refund", "reimburse", "compensat", "free of charge", "we admit", "our fault",
        "we are liable", "legally", "guarantee",
    ])
    link_allowlist: list[str] = Field(default_factory=list)
    # Promise families recognised by meaning; None: all while escalation_promises is the default.
    promise_families: list[Literal["refund", "compensation", "fee_waiver", "replacement", "delivery", "fault",
                                   "liability"]] | None = None
    sign_off: str | None = None  # a regex every reply must end with, e.g. "\\^[A-Z]{2}$"
    length_limits: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_LENGTH_LIMITS))
    profanity: Literal["block", "warn"] = "block"

    @field_validator("sign_off")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return v
