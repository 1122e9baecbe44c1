"""RSS/Atom documents as mentions (feedparser), and the feed source's cursor;
free of network I/O."""
from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser
from pydantic import ValidationError

from bot.types import MAX_MENTION_CHARS, Author, Mention

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BREAKS = re.compile(r"\n\s*\n\s*")
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")


def plain_text(html: str) -> str:
    """Readable text of an HTML fragment: tags dropped, entities decoded, blank lines kept."""
    parser = _TextOnly()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken fragment still has its text
        return _SPACES.sub(" ", unescape(re.sub(r"<[^>]*>", " ", html))).strip()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BREAKS.sub("\n\n", "\n".join(lines)).strip()


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _raw(entry: Any, key: str) -> Any:
    # dict.get: feedparser's own get() maps missing `updated*` keys to `published*` with a warning.
    return dict.get(entry, key) if isinstance(entry, dict) else None


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = _raw(entry, key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)
            except (TypeError, ValueError, OverflowError, OSError):
                continue
    return None


def entry_id(entry: Any) -> str:
    raw = _s(entry.get("id")) or _s(entry.get("link"))
    # Some feeds use whole URLs with tracking parameters as ids: keep them stable but short.
    return raw if len(raw) <= 300 else "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


class NotAFeed(ValueError):
    """The document is no RSS or Atom feed at all."""


def parse_feed(body: bytes, url: str, network: str, fetched_at: datetime,
               content_type: str | None = None) -> tuple[list[Mention], list[str]]:
    """Every entry as a Mention, plus one problem per entry that cannot be one.
    Raises NotAFeed when the document is no feed at all."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        # BytesIO: given bytes or str, feedparser may treat them as a file name or URL.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    except Exception as exc:  # noqa: BLE001 - a hostile document must not stop the source
        raise NotAFeed(f"the feed could not be read: {exc!r}") from None
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise NotAFeed("not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    feed = parsed.get("feed") or {}
    fallback_author = (_s(feed.get("title")) or urlsplit(url).hostname or "feed")[:200]
    mentions: list[Mention] = []
    problems: list[str] = []
    for number, entry in enumerate(parsed.entries, start=1):
        made = entry_mention(entry, network, fallback_author, fetched_at)
        if isinstance(made, Mention):
            mentions.append(made)
        else:
            problems.append(f"{url} entry {number}: {made}")
    return mentions, problems


def entry_mention(entry: Any, network: str, fallback_author: str, fetched_at: datetime) -> Mention | str:
    external_id = entry_id(entry)
    if not external_id:
        return "has neither an id/guid nor a link"
    title = plain_text(_s(entry.get("title")))
    summary = plain_text(_s(entry.get("summary")))
    text = title if not summary or summary == title else (f"{title}\n\n{summary}" if title else summary)
    if not text:
        return f"{external_id!r} has neither a title nor a summary"
    author = _s(entry.get("author")) or _s((entry.get("author_detail") or {}).get("name")) or fallback_author
    link = _s(entry.get("link"))
    try:
        return Mention(
            network=network, external_id=external_id,
            author=Author(handle=author[:200], name=author[:200]),
            text=text[:MAX_MENTION_CHARS],
            url=link if link.startswith(("http://", "https://")) and len(link) <= 2000 else None,
            created_at=_when(entry) or fetched_at,
        )
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return f"{external_id!r}: {fields}"


@dataclass
class RssCursor:
    """Validators for a conditional GET, and the ids already yielded (newest
    last, bounded) for servers that ignore them or feeds that reorder."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)

    def add_seen(self, ids: Iterable[str], limit: int) -> None:
        known = set(self.seen)
        for item in ids:
            if item not in known:
                known.add(item)
                self.seen.append(item)
        del self.seen[:-limit]

    def dump(self) -> str:
        return json.dumps({"etag": self.etag, "last_modified": self.last_modified, "seen": self.seen})

    @classmethod
    def load(cls, text: str | None, source: str) -> RssCursor:
        if text in (None, ""):
            return cls()
        problem = f"feed source {source!r}: saved cursor {text[:80]!r}"
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError(f"{problem} is not JSON") from None
        if not isinstance(data, dict):
            raise ValueError(f"{problem} is not a JSON object")
        etag, modified, seen = data.get("etag"), data.get("last_modified"), data.get("seen", [])
        if not (etag is None or isinstance(etag, str)) or not (modified is None or isinstance(modified, str)):
            raise ValueError(f"{problem}: 'etag' and 'last_modified' must be text or null")
        if not isinstance(seen, list) or not all(isinstance(i, str) for i in seen):
            raise ValueError(f"{problem}: 'seen' must be a list of entry ids")
        return cls(etag, modified, list(seen))
