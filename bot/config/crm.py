"""The `crm:` and `sinks:` sections of the workspace file: which system of
record Rejoinder reads customers from and writes interactions to. Secrets are
never here: each entry names the environment variables that hold them."""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, field_validator, model_validator


# What may be written back; each becomes one engagement on the contact.
INTERACTIONS = ("mention", "reply", "resolution", "escalation")
Interaction = Literal["mention", "reply", "resolution", "escalation"]
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _field_name(value: str) -> str:
    if not _FIELD.fullmatch(value):
        raise ValueError(f"{value!r} is not a field name (letters, digits and '_', starting with a letter)")
    return value


def _env_name(value: str) -> str:
    if not _ENV.fullmatch(value):
        raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9 and '_')")
    return value


class RateLimit(Strict):
    """The vendor's documented limit, so writes are paced before it answers 429."""

    requests: int = Field(ge=1)
    per_seconds: float = Field(gt=0)


class Tickets(Strict):
    """Open a ticket (HubSpot) or a Case (Salesforce) for chosen routes; close it when the case resolves."""

    routes: list[str] = Field(min_length=1)
    pipeline: str | None = None  # HubSpot ticket pipeline id ("0" is the default pipeline)
    open_stage: str | None = None  # HubSpot stage id, or the Salesforce Case Status
    closed_stage: str | None = None


class CrmBase(Strict):
    # network -> the contact field holding that network's handle, e.g. {x: twitterhandle}
    handle_fields: dict[str, str] = Field(default_factory=dict)
    # The field or property on the engagement (and ticket) that holds Rejoinder's idempotency key.
    key_field: str
    writeback: list[Interaction] = Field(default_factory=lambda: list(INTERACTIONS))
    cache_ttl: str = "15m"
    timeout_s: float = Field(default=10.0, gt=0)
    tickets: Tickets | None = None

    @field_validator("handle_fields")
    @classmethod
    def _fields(cls, v: dict[str, str]) -> dict[str, str]:
        for value in v.values():
            _field_name(value)
        return v

    @field_validator("key_field")
    @classmethod
    def _key(cls, v: str) -> str:
        return _field_name(v)

    @field_validator("cache_ttl")
    @classmethod
    def _ttl(cls, v: str) -> str:
        from bot.config.workspace import parse_duration  # workspace imports this module

        parse_duration(v)
        return v


class HubSpotCrm(CrmBase):
    type: Literal["hubspot"]
    token_env: str  # a private app's access token
    base_url: str | None = None  # default https://api.hubapi.com
    key_field: str = "rejoinder_key"
    tier_field: str = "tier"  # on the company (falls back to the contact)
    value_field: str = "total_revenue"  # lifetime value, on the contact
    # Private apps on Professional/Enterprise: 190 requests per 10 s (Free/Starter: 100).
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit(requests=100, per_seconds=10))

    @field_validator("token_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)


class SalesforceCrm(CrmBase):
    type: Literal["salesforce"]
    instance_url: str = Field(pattern=r"^https://")
    api_version: str = Field(default="62.0", pattern=r"^\d{2,3}\.0$")
    login_url: str = Field(default="https://login.salesforce.com", pattern=r"^https://")
    auth: Literal["refresh_token", "jwt"] = "refresh_token"
    client_id_env: str
    client_secret_env: str | None = None  # refresh_token
    refresh_token_env: str | None = None  # refresh_token
    username_env: str | None = None  # jwt
    private_key_env: str | None = None  # jwt: the PEM key itself
    key_field: str = "Rejoinder_Key__c"  # an External ID field on Task (and Case)
    tier_field: str = "Rating"  # on the Account
    value_field: str | None = None  # e.g. Lifetime_Value__c on the Contact; None: won opportunities
    # A daily quota per org, not a per-second one: pace writes so a burst cannot eat it.
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit(requests=25, per_seconds=1))

    @model_validator(mode="after")
    def _auth(self) -> "SalesforceCrm":
        need = {"refresh_token": ("client_secret_env", "refresh_token_env"),
                "jwt": ("username_env", "private_key_env")}[self.auth]
        missing = [f for f in need if not getattr(self, f)]
        if missing:
            raise ValueError(f"auth: {self.auth} needs {' and '.join(missing)}")
        for name in ("client_id_env", "client_secret_env", "refresh_token_env", "username_env", "private_key_env"):
            if getattr(self, name):
                _env_name(getattr(self, name))
        return self


class BuiltinCrm(CrmBase):
    """The built-in directory behind the same port: card section, links and write-back, no outside system."""

    type: Literal["builtin"]
    key_field: str = "key"


CrmConfig = Annotated[Union[HubSpotCrm, SalesforceCrm, BuiltinCrm], Discriminator("type")]


class WebhookSink(Strict):
    """A signed outbound webhook carrying the same interaction events (docs/crm-webhook.md)."""

    type: Literal["webhook"]
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    url: str = Field(pattern=r"^https?://")
    secret_env: str
    events: list[Interaction] = Field(default_factory=lambda: list(INTERACTIONS))
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("secret_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return _env_name(v)


SinkConfig = Annotated[Union[WebhookSink], Discriminator("type")]


def route_problems(crm: CrmBase | None, routes: set[str]) -> list[str]:
    """Ticket routes must name routes of the workspace."""
    if crm is None or crm.tickets is None:
        return []
    return [f"crm.tickets.routes names unknown route {r!r}" for r in crm.tickets.routes if r not in routes]
