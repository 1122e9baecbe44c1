"""Route match expressions as they appear in rejoinder.yaml.

Every node is a mapping with exactly one key, so the YAML reads naturally:

    match:
      all:
        - any: [{keyword: refund}, {phrase: "money back"}]
        - not: {handle: "@acme"}
        - sentiment: {max: -0.2}
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from bot.triage.model import INTENTS


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _nonblank(values: list[str]) -> list[str]:
    if not values or any(not v.strip() for v in values):
        raise ValueError("needs at least one non-empty term")
    return values


class KeywordAtom(_Node):
    """Whole-word, case-insensitive."""

    keyword: list[str]
    _list = field_validator("keyword", mode="before")(_as_list)
    _check = field_validator("keyword")(_nonblank)


class PhraseAtom(_Node):
    phrase: list[str]
    _list = field_validator("phrase", mode="before")(_as_list)
    _check = field_validator("phrase")(_nonblank)


class HashtagAtom(_Node):
    hashtag: list[str]
    _list = field_validator("hashtag", mode="before")(_as_list)

    @field_validator("hashtag")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return _nonblank([v.lstrip("#") for v in values])


class HandleAtom(_Node):
    handle: list[str]
    _list = field_validator("handle", mode="before")(_as_list)

    @field_validator("handle")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return _nonblank([v.lstrip("@") for v in values])


class RegexAtom(_Node):
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


class LanguageAtom(_Node):
    language: list[str]
    _list = field_validator("language", mode="before")(_as_list)
    _check = field_validator("language")(_nonblank)


class SentimentRange(_Node):
    min: float = Field(default=-1.0, ge=-1.0, le=1.0)
    max: float = Field(default=1.0, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> "SentimentRange":
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class SentimentAtom(_Node):
    sentiment: SentimentRange


class FollowersAtom(_Node):
    min_followers: int = Field(ge=0)


class NetworkAtom(_Node):
    network: list[str]
    _list = field_validator("network", mode="before")(_as_list)
    _check = field_validator("network")(_nonblank)


class FlagAtom(_Node):
    """A flag set by enrichment: injection_suspected, legal_threat, safety, customer, question."""

    flag: list[str]
    _list = field_validator("flag", mode="before")(_as_list)
    _check = field_validator("flag")(_nonblank)


def _known_intents(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    values = _nonblank(values)
    unknown = [v for v in values if v not in INTENTS]
    if unknown:
        raise ValueError(f"unknown intent {unknown[0]!r}; intents are: {', '.join(INTENTS)}")
    return values


class NeedsResponseAtom(_Node):
    """The triage model's verdict (bot.triage): true for complaints, questions,
    requests for help and purchase intent."""

    needs_response: bool


class IntentAtom(_Node):
    """The triage model's intent label is one of these."""

    intent: list[str]
    _list = field_validator("intent", mode="before")(_as_list)
    _check = field_validator("intent")(_known_intents)


class TriageCondition(_Node):
    needs_response: bool | None = None
    intent: list[str] | None = None
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    _list = field_validator("intent", mode="before")(_as_list)
    _check = field_validator("intent")(_known_intents)

    @model_validator(mode="after")
    def _something(self) -> "TriageCondition":
        if self.needs_response is None and self.intent is None:
            raise ValueError("give needs_response, intent or both (min_confidence applies to each)")
        return self


class TriageAtom(_Node):
    """`{triage: {needs_response: true, intent: [complaint], min_confidence: 0.7}}`:
    every condition given holds, each with at least that confidence."""

    triage: TriageCondition


class AnyNode(_Node):
    any: list["MatchExpr"] = Field(min_length=1)


class AllNode(_Node):
    all: list["MatchExpr"] = Field(min_length=1)


class NotNode(_Node):
    not_: "MatchExpr" = Field(alias="not")


_KEYS = {
    "keyword": KeywordAtom,
    "phrase": PhraseAtom,
    "hashtag": HashtagAtom,
    "handle": HandleAtom,
    "regex": RegexAtom,
    "language": LanguageAtom,
    "sentiment": SentimentAtom,
    "min_followers": FollowersAtom,
    "network": NetworkAtom,
    "flag": FlagAtom,
    "needs_response": NeedsResponseAtom,
    "intent": IntentAtom,
    "triage": TriageAtom,
    "any": AnyNode,
    "all": AllNode,
    "not": NotNode,
}
MATCH_KEYS = tuple(_KEYS)


def _node_key(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in _KEYS else None
    if isinstance(value, _Node):
        for key, model in _KEYS.items():
            if type(value) is model:
                return key
    return None


MatchExpr = Annotated[
    Union[tuple(Annotated[model, Tag(key)] for key, model in _KEYS.items())],  # type: ignore[misc]
    Discriminator(
        _node_key,
        custom_error_type="match_node",
        custom_error_message="a match node is a mapping with exactly one of: " + ", ".join(MATCH_KEYS),
    ),
]

AnyNode.model_rebuild()
AllNode.model_rebuild()
NotNode.model_rebuild()
