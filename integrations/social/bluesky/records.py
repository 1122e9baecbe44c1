"""Bluesky firehose decoding and post filtering, free of any I/O.

The firehose (`com.atproto.sync.subscribeRepos`) sends one DAG-CBOR frame per
event; commits carry their new records as a CAR file. Decoding every CAR would
cost most of the budget, so a commit is only opened when one of its ops
creates a post, and a post is only turned into a `Mention` when it matches.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import libipld
from pydantic import ValidationError

from bot.types import MAX_MENTION_CHARS, Author, Mention

log = logging.getLogger(__name__)

NETWORK = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
_POST_PREFIX = POST_COLLECTION + "/"
_MENTION_FEATURE = "app.bsky.richtext.facet#mention"


def post_url(handle: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def profile_url(handle: str) -> str:
    return f"https://bsky.app/profile/{handle}"


def split_post_uri(uri: str) -> tuple[str, str] | None:
    """`at://did/app.bsky.feed.post/rkey` -> (did, rkey); None for anything else."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or parts[1] != POST_COLLECTION or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[2]


@dataclass(frozen=True)
class PostCandidate:
    """A created post that matched the watch list; the handle is resolved later."""

    did: str
    rkey: str
    cid: str
    record: dict
    seq: int
    time: str | None


@dataclass(frozen=True)
class PostDeleted:
    uri: str
    seq: int


@dataclass(frozen=True)
class CursorTick:
    """Nothing to report, but the saved cursor may move on to `seq`."""

    seq: int


FirehoseEvent = PostCandidate | PostDeleted | CursorTick


class PostFilter:
    """Keeps posts that name a watched term or handle, or mention a watched DID."""

    def __init__(self, terms: Iterable[str], handles: Iterable[str], dids: Iterable[str] = ()) -> None:
        words = sorted({re.escape(t.strip()) for t in terms if t and t.strip()}, key=len, reverse=True)
        names = sorted({re.escape(h.strip().lstrip("@")) for h in handles if h and h.strip().lstrip("@")},
                       key=len, reverse=True)
        parts = []
        if words:
            parts.append(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")
        if names:
            # `@name.example` must not be part of an e-mail address or run on into a longer handle.
            parts.append(r"(?<![\w@.])@(?:" + "|".join(names) + r")(?![\w-]|\.\w)")
        self._pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        self.dids = {d for d in dids if d}

    def matches(self, record: dict) -> bool:
        text = record.get("text")
        if isinstance(text, str) and self._pattern is not None and self._pattern.search(text):
            return True
        return bool(self.dids) and bool(self.dids.intersection(mentioned_dids(record)))


def mentioned_dids(record: dict) -> list[str]:
    found: list[str] = []
    facets = record.get("facets")
    if not isinstance(facets, list):
        return found
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else ():
            if isinstance(feature, dict) and feature.get("$type") == _MENTION_FEATURE:
                did = feature.get("did")
                if isinstance(did, str):
                    found.append(did)
    return found


class FirehoseDecoder:
    """Turns message frames into events; `seq` is the last sequence number seen.

    A `CursorTick` is emitted after `tick_every` events or `tick_seconds` without
    anything to report, so a consumer saving cursors moves through the noise
    without writing a cursor for every one of ~2,000 events per second.
    """

    def __init__(self, post_filter: PostFilter, skip_dids: Iterable[str] = (),
                 tick_every: int = 500, tick_seconds: float = 5.0,
                 on_identity: Callable[[str, str | None], None] | None = None) -> None:
        self.filter = post_filter
        self.skip_dids = {d for d in skip_dids if d}
        self.seq: int | None = None
        self.on_identity = on_identity  # told of handle changes: (did, new handle or None)
        self._tick_every = tick_every
        self._tick_seconds = tick_seconds
        self._quiet = 0
        self._quiet_since = time.monotonic()

    def on_frame(self, kind: str | None, body: Any) -> list[FirehoseEvent]:
        if not isinstance(body, dict):
            log.warning("bluesky firehose: skipped a %s frame whose body is not a map", kind)
            return []
        seq = body.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            if kind == "#info":  # e.g. OutdatedCursor: the server starts from its oldest event
                log.info("bluesky firehose: %s %s", body.get("name"), body.get("message"))
            return []  # frames without a seq do not move the cursor
        self.seq = seq
        events: list[FirehoseEvent] = []
        if kind == "#commit":
            try:
                events = self._commit(body, seq)
            except Exception as exc:  # one bad commit must not stop the stream
                log.warning("bluesky firehose: skipped commit seq=%s from %r: %s", seq, body.get("repo"), exc)
        elif kind == "#identity" and isinstance(body.get("did"), str) and self.on_identity is not None:
            handle = body.get("handle")
            self.on_identity(body["did"], handle if isinstance(handle, str) else None)
        return self.settle(events, seq)

    def settle(self, events: list[FirehoseEvent], seq: int) -> list[FirehoseEvent]:
        """`events` as they are, or a `CursorTick` when the noise has gone on long enough."""
        if events:
            self._quiet, self._quiet_since = 0, time.monotonic()
            return events
        self._quiet += 1
        if self._quiet >= self._tick_every or time.monotonic() - self._quiet_since >= self._tick_seconds:
            self._quiet, self._quiet_since = 0, time.monotonic()
            return [CursorTick(seq)]
        return []

    def _commit(self, body: dict, seq: int) -> list[FirehoseEvent]:
        ops = body.get("ops")
        repo = body.get("repo")
        if not isinstance(ops, list) or not isinstance(repo, str):
            return []
        post_ops = [op for op in ops if isinstance(op, dict) and str(op.get("path", "")).startswith(_POST_PREFIX)]
        if not post_ops:
            return []  # likes, follows, reposts...: no need to open the CAR
        events: list[FirehoseEvent] = []
        blocks: dict | None = None
        for op in post_ops:
            path, action = op["path"], op.get("action")
            if action == "delete":
                events.append(PostDeleted(f"at://{repo}/{path}", seq))
            elif action == "create" and repo not in self.skip_dids:
                if blocks is None:
                    blocks = libipld.decode_car(body.get("blocks") or b"")[1]
                record = blocks.get(op.get("cid"))
                if not isinstance(record, dict):
                    log.warning("bluesky firehose: commit seq=%s has no block for %s", seq, path)
                    continue
                if record.get("$type", POST_COLLECTION) == POST_COLLECTION and self.filter.matches(record):
                    cid = libipld.encode_cid(op["cid"])
                    events.append(PostCandidate(repo, path[len(_POST_PREFIX):], cid, record, seq, body.get("time")))
        return events


def _strong_ref(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and isinstance(value.get("uri"), str) and isinstance(value.get("cid"), str):
        return value["uri"], value["cid"]
    return None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_post_record(did: str, rkey: str, cid: str, record: Any, handle: str | None,
                      fallback_time: str | None = None) -> Mention | None:
    """Map an `app.bsky.feed.post` record to a Mention; None (and a log line) if it is unusable."""
    where = f"at://{did}/{POST_COLLECTION}/{rkey}"
    if not isinstance(record, dict):
        log.warning("bluesky post %s: the record is not a map", where)
        return None
    text = record.get("text")
    if not isinstance(text, str):
        log.warning("bluesky post %s: field 'text' is missing or not a string", where)
        return None
    created = _timestamp(record.get("createdAt")) or _timestamp(fallback_time)
    if created is None:
        log.warning("bluesky post %s: field 'createdAt' is not a date and the event has no time", where)
        return None
    root = parent = None
    if record.get("reply") is not None:
        reply = record["reply"]
        root = _strong_ref(reply.get("root")) if isinstance(reply, dict) else None
        parent = _strong_ref(reply.get("parent")) if isinstance(reply, dict) else None
        if root is None or parent is None:
            log.warning("bluesky post %s: field 'reply' lacks a root or parent {uri, cid}", where)
            return None
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    who = handle or did
    try:
        return Mention(
            network=NETWORK,
            external_id=where,
            author=Author(handle=who, followers=0, url=profile_url(who)),
            text=text[:MAX_MENTION_CHARS],
            url=post_url(who, rkey),
            created_at=created,
            conversation_id=root[0] if root else where,
            in_reply_to=parent[0] if parent else None,
            lang=lang if lang and len(lang) <= 16 else None,
            reply_ref={
                "uri": where, "cid": cid,
                "root_uri": root[0] if root else where, "root_cid": root[1] if root else cid,
            },
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        log.warning("bluesky post %s: not a valid mention (%s)", where, problems)
        return None
