"""Reddit listings as mentions, and the source's cursor; free of any I/O.

praw builds lazy objects that fetch on a missing attribute, so the mapping
reads the plain attribute dict (`vars(thing)`) and never touches the network.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from bot.types import MAX_MENTION_CHARS, Author, Mention

NETWORK = "reddit"
SUBMISSION, COMMENT = "t3", "t1"
KINDS = (SUBMISSION, COMMENT)
_GONE = {"[deleted]", "[removed]"}


def _text(value: Any) -> str:
    """praw turns `author`/`subreddit` into objects whose str() is the name."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _problem(where: str, error: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: {e['msg']}" for e in error.errors()]
    return f"{where}: " + "; ".join(parts)


def created_of(data: Mapping[str, Any]) -> float | None:
    value = data.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 <= value < 32503680000 else None  # before year 3000


def thing_text(kind: str, data: Mapping[str, Any]) -> str:
    if kind == SUBMISSION:
        title, body = _text(data.get("title")).strip(), _text(data.get("selftext")).strip()
        return f"{title}\n\n{body}" if body and body not in _GONE else title
    return _text(data.get("body")).strip()


def thing_author(data: Mapping[str, Any]) -> str:
    return _text(data.get("author")).strip()


def to_mention(kind: str, data: Mapping[str, Any], site_url: str) -> Mention | str:
    """One submission (t3) or comment (t1) as a Mention, or why it cannot be one."""
    fullname = _text(data.get("name")) or (f"{kind}_{_text(data.get('id'))}" if data.get("id") else "")
    where = f"reddit {fullname or kind + ' without an id'}"
    if kind not in KINDS:
        return f"{where}: kind {kind!r} is neither a submission (t3) nor a comment (t1)"
    if not fullname.startswith(kind + "_") or len(fullname) <= 3:
        return f"{where}: name {fullname!r} is not a {kind}_ fullname"
    created = created_of(data)
    if created is None:
        return f"{where}: created_utc {data.get('created_utc')!r} is not a time in seconds"
    author = thing_author(data) or "[deleted]"
    permalink = _text(data.get("permalink"))
    if kind == SUBMISSION:
        conversation, parent = fullname, None
    else:
        conversation, parent = _text(data.get("link_id")) or None, _text(data.get("parent_id")) or None
        if not conversation or not conversation.startswith("t3_"):
            return f"{where}: link_id {data.get('link_id')!r} is not a submission fullname"
    subreddit = _text(data.get("subreddit"))
    try:
        return Mention(
            network=NETWORK, external_id=fullname,
            author=Author(handle=author[:200], name=author[:200],
                          url=f"{site_url}/user/{author}" if author not in _GONE else None),
            text=thing_text(kind, data)[:MAX_MENTION_CHARS],
            url=site_url + permalink if permalink.startswith("/") else None,
            created_at=datetime.fromtimestamp(created, timezone.utc),
            conversation_id=conversation, in_reply_to=parent,
            reply_ref={"fullname": fullname, "subreddit": subreddit} if subreddit else {"fullname": fullname},
        )
    except ValidationError as exc:
        return _problem(where, exc)


@dataclass
class Mark:
    """How far one listing has been read: the newest creation time seen and
    every fullname created in that same second (several share a second)."""

    at: float | None = None
    ids: set[str] = field(default_factory=set)

    def is_new(self, fullname: str, created: float) -> bool:
        if self.at is None:
            return True
        return created > self.at or (created == self.at and fullname not in self.ids)

    def advance(self, fullname: str, created: float) -> None:
        if self.at is None or created > self.at:
            self.at, self.ids = created, {fullname}
        elif created == self.at:
            self.ids.add(fullname)


@dataclass
class RedditCursor:
    marks: dict[str, Mark] = field(default_factory=lambda: {k: Mark() for k in KINDS})

    def dump(self) -> str:
        return json.dumps({k: {"at": m.at, "ids": sorted(m.ids)} for k, m in self.marks.items() if m.at is not None},
                          sort_keys=True)

    @classmethod
    def load(cls, text: str | None, source: str) -> RedditCursor:
        cursor = cls()
        if text in (None, ""):
            return cursor
        problem = f"reddit source {source!r}: saved cursor {text[:80]!r}"
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError(f"{problem} is not JSON") from None
        if not isinstance(data, dict):
            raise ValueError(f"{problem} is not a JSON object")
        for kind, value in data.items():
            ok = (kind in KINDS and isinstance(value, dict) and created_of({"created_utc": value.get("at")}) is not None
                  and isinstance(value.get("ids"), list) and all(isinstance(i, str) for i in value["ids"]))
            if not ok:
                raise ValueError(f"{problem}: entry {kind!r} needs 'at' (seconds) and 'ids' (fullnames)")
            cursor.marks[kind] = Mark(float(value["at"]), set(value["ids"]))
        return cursor
