"""Reading `listNotifications` and `getProfiles` answers item by item, free of I/O.

The SDK's response models reject a whole page when one item is malformed;
a poller that did so would retry the same page forever. Here a bad item is
logged and skipped, and the rest of the page is used.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.types import Author, Mention
from integrations.social.bluesky.notif_cursor import parse_time
from integrations.social.bluesky.records import parse_post_record, profile_url, split_post_uri

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """One notification: a post by `author_did` aimed at the brand."""

    uri: str
    cid: str
    reason: str
    at: datetime  # the AppView's sort time (`indexedAt`)
    indexed_at: str
    author_did: str
    author_handle: str | None  # None when the AppView could not verify it
    author_name: str
    author_verified: bool
    record: Any


@dataclass(frozen=True)
class Profile:
    name: str
    followers: int
    verified: bool


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _verified(author: dict) -> bool:
    verification = author.get("verification")
    return isinstance(verification, dict) and verification.get("verifiedStatus") == "valid"


def parse_notification(raw: Any) -> Notice | None:
    """A notification as the AppView sends it (JSON); None, with a log line, if unusable."""
    if not isinstance(raw, dict):
        log.warning("bluesky notifications: skipped an entry that is not a map")
        return None
    uri, cid, reason = _text(raw.get("uri")), _text(raw.get("cid")), _text(raw.get("reason"))
    at = parse_time(raw.get("indexedAt"))
    author = raw.get("author") if isinstance(raw.get("author"), dict) else {}
    did = _text(author.get("did"))
    if not (uri and cid and reason and at and did):
        missing = [k for k, v in (("uri", uri), ("cid", cid), ("reason", reason), ("indexedAt", at),
                                  ("author.did", did)) if not v]
        log.warning("bluesky notification %s: skipped, field(s) %s missing or invalid", uri or "?", ", ".join(missing))
        return None
    handle = _text(author.get("handle"))
    return Notice(uri, cid, reason, at, raw["indexedAt"], did, handle if handle != "handle.invalid" else None,
                  (_text(author.get("displayName")) or "")[:200], _verified(author), raw.get("record"))


def parse_profile(raw: Any) -> tuple[str, Profile] | None:
    """(did, profile) from a `getProfiles` entry; None if it has no DID."""
    if not isinstance(raw, dict) or not _text(raw.get("did")):
        return None
    followers = raw.get("followersCount")
    followers = followers if isinstance(followers, int) and not isinstance(followers, bool) and followers > 0 else 0
    return raw["did"], Profile((_text(raw.get("displayName")) or "")[:200], followers, _verified(raw))


def to_mention(notice: Notice, profile: Profile | None) -> Mention | None:
    """The same mapping as the firehose's (same at-uri, same reply refs), with the author's profile added."""
    parts = split_post_uri(notice.uri)
    if parts is None:
        log.warning("bluesky notification %s: the subject is not a post", notice.uri)
        return None
    did, rkey = parts
    mention = parse_post_record(did, rkey, notice.cid, notice.record, notice.author_handle, notice.indexed_at)
    if mention is None:
        return None
    who = mention.author.handle
    return mention.model_copy(update={"author": Author(
        handle=who, name=profile.name if profile else notice.author_name,
        followers=profile.followers if profile else 0, url=profile_url(who),
        verified=profile.verified if profile else notice.author_verified)})
