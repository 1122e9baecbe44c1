"""X API v2 payloads (tweets with their expanded authors, pages, stream
lines) as neutral mentions, and X's weighted length of a reply. Free of I/O."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import regex
from pydantic import ValidationError

from bot.types import MAX_MENTION_CHARS, Author, Mention
from integrations.social.common.stream_bridge import BadPayload, describe

NETWORK = "x"
LENGTH_LIMIT = 280
# Asked for on every read, so each tweet carries what a Mention needs.
TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "in_reply_to_user_id", "lang", "note_tweet",
                "referenced_tweets"]
USER_FIELDS = ["name", "username", "public_metrics", "verified"]
EXPANSIONS = ["author_id"]


def tweet_url(username: str, tweet_id: str) -> str:
    return f"https://x.com/{username}/status/{tweet_id}"


def _id(value: Any) -> str | None:
    text = value if isinstance(value, str) else None
    return text if text and text.isdigit() and len(text) <= 30 else None


@dataclass(frozen=True)
class TweetFacts:
    id: str
    author_id: str | None
    retweet: bool
    # Edits: each version of a tweet has its own id, and `edit_history_tweet_ids`
    # lists them all, oldest (the original) first.
    edit_of: str | None = None  # the original's id, when this is a later version
    superseded: bool = False  # an older version of a tweet edited since


def _edit_history(tweet: Mapping, tweet_id: str) -> tuple[str | None, bool]:
    history = tweet.get("edit_history_tweet_ids")
    if not isinstance(history, list) or len(history) < 2 or tweet_id not in history:
        return None, False
    ids = [_id(i) for i in history]
    if None in ids:
        return None, False
    return (ids[0] if ids[0] != tweet_id else None), tweet_id != ids[-1]


def tweet_facts(tweet: Any, place: str) -> TweetFacts:
    if not isinstance(tweet, Mapping):
        raise BadPayload(f"{place}: expected a tweet object, got {type(tweet).__name__}")
    tweet_id = _id(tweet.get("id"))
    if tweet_id is None:
        raise BadPayload(f"{place}: the tweet has no usable 'id' ({str(tweet.get('id'))[:40]!r})")
    refs = tweet.get("referenced_tweets")
    retweet = isinstance(refs, list) and any(isinstance(r, Mapping) and r.get("type") == "retweeted" for r in refs)
    return TweetFacts(tweet_id, _id(tweet.get("author_id")), retweet, *_edit_history(tweet, tweet_id))


def users_of(body: Any) -> dict[str, Mapping]:
    """`includes.users` by id; anything malformed is left out."""
    includes = body.get("includes") if isinstance(body, Mapping) else None
    users = includes.get("users") if isinstance(includes, Mapping) else None
    if not isinstance(users, list):
        return {}
    return {u["id"]: u for u in users if isinstance(u, Mapping) and _id(u.get("id"))}


def _replied_to(tweet: Mapping) -> str | None:
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, Mapping) and ref.get("type") == "replied_to":
            return _id(ref.get("id"))
    return None


def parse_tweet(tweet: Any, users: Mapping[str, Mapping], place: str) -> Mention:
    """A tweet as a Mention. A later version of an edited tweet keeps the
    original's id (and URL), and `reply_ref["reply_to_id"]` names this
    version: on X a reply goes to the latest version."""
    facts = tweet_facts(tweet, place)
    place = f"{place} (tweet {facts.id})"
    user = users.get(facts.author_id or "")
    if user is None:
        raise BadPayload(f"{place}: its author ({facts.author_id!r}) is not in includes.users")
    username = user.get("username")
    if not isinstance(username, str) or not username.strip():
        raise BadPayload(f"{place}: the author has no 'username'")
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, Mapping) and isinstance(note.get("text"), str) else tweet.get("text")
    if not isinstance(text, str):
        raise BadPayload(f"{place}: 'text' is missing or not text")
    created = tweet.get("created_at")
    try:
        created_at = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        created_at = None
    if created_at is None:
        raise BadPayload(f"{place}: 'created_at' is missing or not an ISO 8601 date")
    metrics = user.get("public_metrics")
    followers = metrics.get("followers_count") if isinstance(metrics, Mapping) else None
    lang = tweet.get("lang")
    name = user.get("name")
    post_id = facts.edit_of or facts.id
    conversation = _id(tweet.get("conversation_id"))
    reply_ref = {"author_id": facts.author_id or ""} | ({"reply_to_id": facts.id} if facts.edit_of else {})
    try:
        return Mention(
            network=NETWORK, external_id=post_id,
            author=Author(handle=username.strip()[:200], name=name[:200] if isinstance(name, str) else "",
                          followers=followers if isinstance(followers, int) and not isinstance(followers, bool)
                          and followers >= 0 else 0,
                          url=f"https://x.com/{username.strip()}"[:2000], verified=user.get("verified") is True),
            text=text[:MAX_MENTION_CHARS], url=tweet_url(username.strip(), post_id)[:2000],
            created_at=created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc),
            conversation_id=post_id if conversation in (None, facts.id) else conversation,
            in_reply_to=_replied_to(tweet),
            lang=lang if isinstance(lang, str) and 0 < len(lang) <= 16 and lang != "und" else None,
            reply_ref=reply_ref)
    except ValidationError as exc:
        raise BadPayload(f"{place}: {describe(exc)}") from None


@dataclass(frozen=True)
class Page:
    tweets: list[Any]
    users: dict[str, Mapping]
    next_token: str | None


def parse_page(body: Any, place: str) -> Page:
    """A list endpoint's answer (mentions, search, user tweets)."""
    if not isinstance(body, Mapping):
        raise BadPayload(f"{place}: expected a JSON object, got {type(body).__name__}")
    data = body.get("data", [])
    if not isinstance(data, list):
        raise BadPayload(f"{place}: 'data' is not a list")
    meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
    token = meta.get("next_token")
    return Page(data, users_of(body), token if isinstance(token, str) and token else None)


@dataclass(frozen=True)
class StreamLine:
    tweet: Any | None
    users: dict[str, Mapping]
    rule_tags: list[str] | None  # None: the line named no rules
    errors: list[Any]


def parse_stream_line(raw: bytes | str, place: str) -> StreamLine:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(f"{place}: a stream line is not JSON ({exc})") from None
    if not isinstance(body, Mapping):
        raise BadPayload(f"{place}: a stream line is {type(body).__name__}, not an object")
    rules = body.get("matching_rules")
    tags = [r.get("tag") for r in rules if isinstance(r, Mapping)] if isinstance(rules, list) else None
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return StreamLine(body.get("data"), users_of(body), tags, errors)


def missing_tweet_ids(body: Any) -> list[str]:
    """Ids a tweet lookup reported as not found (deleted, or gone with their account)."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    found = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, Mapping) and str(error.get("type", "")).endswith("/resource-not-found"):
            if _id(error.get("resource_id") or error.get("value")):
                found.append(error.get("resource_id") or error.get("value"))
    return found


# -- reply length ------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"']+", re.I)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # twitter-text v3: these weigh 1


def weighted_length(text: str) -> int:
    """Length as X counts it (twitter-text v3): links 23, emoji 2, most CJK 2, else 1."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in list(_URL.finditer(text)) + [None]:
        chunk = text[last:match.start()] if match else text[last:]
        for grapheme in _GRAPHEME.findall(chunk):
            if _EMOJI.search(grapheme):
                total += 2
            else:
                total += sum(1 if any(lo <= ord(c) <= hi for lo, hi in _LIGHT) else 2 for c in grapheme)
        if match:
            total += 23
            last = match.end()
    return total
