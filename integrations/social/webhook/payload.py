"""The signed webhook's contract, free of any server: signing, checking a
signature, and reading a body into mentions (see docs/webhook.md)."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from bot.types import Mention

TIMESTAMP_HEADER = "X-Rejoinder-Timestamp"
SIGNATURE_HEADER = "X-Rejoinder-Signature"
MAX_FOLLOWERS = 2**63 - 1  # stored as a 64-bit integer
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the signature header's value."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def check_signature(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                    now: float, tolerance_s: float) -> str | None:
    """None when the request is authentic and fresh, else why not (safe to show the sender)."""
    if not timestamp or not signature:
        return f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return f"{TIMESTAMP_HEADER} must be unix time in whole seconds"
    if abs(now - int(timestamp)) > tolerance_s:
        return f"{TIMESTAMP_HEADER} is more than {tolerance_s:g} s away from the server's clock"
    expected = sign(secret, timestamp, body).encode("ascii")
    # Bytes on both sides: compare_digest refuses non-ASCII text, and headers can hold anything.
    if not hmac.compare_digest(expected, signature.strip().encode("utf-8", "surrogateescape")):
        return "signature does not match"
    return None


class PayloadError(ValueError):
    """A body that is not one mention or {"mentions": [...]}; `field` names the place."""

    def __init__(self, field: str, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message
        self.errors = errors or [{"field": field, "message": message}]

    def as_json(self) -> dict[str, Any]:
        return {"error": "invalid payload", "field": self.field, "message": self.message, "errors": self.errors}


def read_mentions(body: bytes, network: str, max_mentions: int = 1000) -> list[Mention]:
    """The mentions in a request body; `network` fills in a missing `network` field."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PayloadError("(body)", f"not UTF-8 text (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise PayloadError("(body)", f"not valid JSON: {getattr(exc, 'msg', exc)}") from None
    if isinstance(data, dict) and "mentions" in data:
        if set(data) != {"mentions"}:
            extra = sorted(set(data) - {"mentions"})[0]
            raise PayloadError(str(extra), "unexpected field next to 'mentions'")
        items, prefix = data["mentions"], "mentions."
        if not isinstance(items, list):
            raise PayloadError("mentions", "must be a list of mention objects")
        if len(items) > max_mentions:
            raise PayloadError("mentions", f"at most {max_mentions} mentions per request")
    elif isinstance(data, dict):
        items, prefix = [data], ""
    else:
        raise PayloadError("(body)", f"expected a JSON object, got {type(data).__name__}")
    return [_mention(item, f"{prefix}{index}." if prefix else "", network) for index, item in enumerate(items)]


def _mention(item: Any, prefix: str, network: str) -> Mention:
    if not isinstance(item, dict):
        raise PayloadError(prefix.rstrip(".") or "(body)", "must be a mention object")
    try:
        mention = Mention.model_validate({"network": network, **item})
    except ValidationError as exc:
        errors = [{"field": prefix + (".".join(str(p) for p in e["loc"]) or "(mention)"), "message": e["msg"]}
                  for e in exc.errors()[:10]]
        raise PayloadError(errors[0]["field"], errors[0]["message"], errors) from None
    # Limits of storage the schema itself does not state.
    if mention.author.followers > MAX_FOLLOWERS:
        raise PayloadError(prefix + "author.followers", f"must be at most {MAX_FOLLOWERS}")
    if not EARLIEST <= mention.created_at < LATEST:
        raise PayloadError(prefix + "created_at", "must be between 1970 and 2100")
    for name, value in _texts(mention):
        if "\x00" in value:
            raise PayloadError(prefix + name, "must not contain NUL characters")
    return mention


def _texts(mention: Mention):
    yield from (("external_id", mention.external_id), ("text", mention.text), ("url", mention.url or ""),
                ("conversation_id", mention.conversation_id or ""), ("in_reply_to", mention.in_reply_to or ""),
                ("lang", mention.lang or ""), ("author.handle", mention.author.handle),
                ("author.name", mention.author.name), ("author.url", mention.author.url or ""))
    for key, value in mention.reply_ref.items():
        yield f"reply_ref.{key}", key + value
