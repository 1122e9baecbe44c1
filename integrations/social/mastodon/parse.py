"""Mastodon payloads (statuses, notifications) as neutral mentions, and the
text rules of a Mastodon reply. Free of I/O.

Payloads arrive either as plain JSON or as Mastodon.py's typed dicts (where
dates are already `datetime`s and a bad date has become None); both work.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from typing import Any

import regex
from pydantic import ValidationError

from bot.types import MAX_MENTION_CHARS, Author, Mention
from integrations.social.common.stream_bridge import BadPayload, describe

NETWORK = "mastodon"
VISIBILITIES = ("public", "unlisted", "private", "direct")
URL_WEIGHT = 23  # Mastodon counts every link as 23 characters


class _TextOnly(HTMLParser):
    """Mastodon's status HTML as plain text: paragraphs become blank lines,
    <br> a newline; mentions, hashtags and links keep their visible text (the
    parts Mastodon hides with class="invisible" are kept, so links stay whole)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._paragraphs = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self._paragraphs:
            self.parts.append("\n\n")
        if tag == "p":
            self._paragraphs += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_TAG = re.compile(r"<[^>]*>?")


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup ("<![x")
        text = unescape(_TAG.sub("", html))
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


@dataclass(frozen=True)
class StatusFacts:
    """What the source needs to know about a status besides its mention."""

    id: str
    account_id: str | None
    in_reply_to_id: str | None
    reblog: bool


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if 0 < len(text) <= 300 else None


def status_facts(data: Any, place: str) -> StatusFacts:
    if not isinstance(data, Mapping):
        raise BadPayload(f"{place}: expected a status object, got {type(data).__name__}")
    status_id = _id(data.get("id"))
    if status_id is None:
        raise BadPayload(f"{place}: the status has no usable 'id' ({data.get('id')!r})")
    account = data.get("account")
    account_id = _id(account.get("id")) if isinstance(account, Mapping) else None
    return StatusFacts(status_id, account_id, _id(data.get("in_reply_to_id")), bool(data.get("reblog")))


def _when(value: Any, place: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise BadPayload(f"{place}: 'created_at' is not an ISO 8601 date ({value[:40]!r})") from None
    if not isinstance(value, datetime):
        raise BadPayload(f"{place}: 'created_at' is missing or not a date")
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def parse_status(data: Any, place: str) -> Mention:
    """A status as a Mention (conversation_id: the status itself; the source
    sets the thread root when it knows it). Raises BadPayload naming the field."""
    facts = status_facts(data, place)
    place = f"{place} (status {facts.id})"
    account = data.get("account")
    if not isinstance(account, Mapping):
        raise BadPayload(f"{place}: 'account' is missing or not an object")
    acct = account.get("acct")
    if not isinstance(acct, str) or not acct.strip():
        raise BadPayload(f"{place}: 'account.acct' is missing or empty")
    followers = account.get("followers_count")
    content = data.get("content")
    if not isinstance(content, str):
        raise BadPayload(f"{place}: 'content' is missing or not text")
    text = html_to_text(content)
    warning = _text(data.get("spoiler_text"), 500).strip()
    if warning:  # the content warning is part of what people read first
        text = f"CW: {warning}\n\n{text}"
    url = data.get("url") if isinstance(data.get("url"), str) else data.get("uri")
    language = data.get("language")
    visibility = data.get("visibility")
    try:
        return Mention(
            network=NETWORK, external_id=facts.id,
            author=Author(
                handle=acct.strip().lstrip("@")[:200],
                name=_text(account.get("display_name"), 200) or _text(account.get("username"), 200),
                followers=followers if isinstance(followers, int) and not isinstance(followers, bool)
                and followers >= 0 else 0,
                url=account.get("url") if isinstance(account.get("url"), str) and len(account["url"]) <= 2000
                else None),
            text=text[:MAX_MENTION_CHARS], url=url if isinstance(url, str) and len(url) <= 2000 else None,
            created_at=_when(data.get("created_at"), place), conversation_id=facts.id,
            in_reply_to=facts.in_reply_to_id,
            lang=language if isinstance(language, str) and 0 < len(language) <= 16 else None,
            reply_ref={"visibility": visibility[:20] if isinstance(visibility, str) else "direct"})
    except ValidationError as exc:
        raise BadPayload(f"{place}: {describe(exc)}") from None


@dataclass(frozen=True)
class NotificationFacts:
    id: str
    type: str
    status: Mapping | None


def parse_notification(data: Any, place: str) -> NotificationFacts:
    if not isinstance(data, Mapping):
        raise BadPayload(f"{place}: expected a notification object, got {type(data).__name__}")
    notification_id = _id(data.get("id"))
    if notification_id is None:
        raise BadPayload(f"{place}: the notification has no usable 'id' ({data.get('id')!r})")
    kind = data.get("type") if isinstance(data.get("type"), str) else ""
    status = data.get("status")
    return NotificationFacts(notification_id, kind, status if isinstance(status, Mapping) else None)


class TermMatcher:
    """Whole-word, case-insensitive matching of watch terms ("zephyr" does not
    match "zephyrs")."""

    def __init__(self, terms: Iterable[str]) -> None:
        words = sorted({t.strip().lower() for t in terms if t and t.strip()}, key=len, reverse=True)
        self._pattern = (re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)
                         if words else None)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, text: str) -> list[str]:
        if self._pattern is None:
            return []
        return sorted({m.group(1).lower() for m in self._pattern.finditer(text)})


# -- replies -----------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"']+", re.I)
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", re.I)
_GRAPHEME = regex.compile(r"\X")


def status_length(text: str) -> int:
    """Characters as Mastodon counts them: links weigh 23, a mention of a remote
    account counts only its `@user` part, and characters are graphemes."""
    countable = _REMOTE_MENTION.sub(lambda m: "@" + m.group(1), _URL.sub("x" * URL_WEIGHT, text))
    return len(_GRAPHEME.findall(countable))


def reply_visibility(original: str | None) -> str:
    """The reply is exactly as visible as the post it answers (a direct message
    stays direct); anything unknown is answered privately, as `direct`."""
    return original if original in VISIBILITIES else "direct"


def with_author_mention(text: str, acct: str) -> str:
    """Start the reply with `@acct` unless it already names the author: on
    Mastodon, only mentioned accounts are notified (and can see a direct reply)."""
    handle = "@" + acct.strip().lstrip("@")
    if re.search(r"(?<![\w@])" + re.escape(handle) + r"(?![\w@-]|\.\w)", text, re.I):
        return text
    return f"{handle} {text}"
