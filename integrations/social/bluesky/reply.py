"""Pure helpers for Bluesky replies: the length rule, the reply record key and
the wait a rate-limit answer asks for."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import regex

GRAPHEME_LIMIT = 300
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_EARLIEST_SECONDS = int(datetime(2023, 1, 1, tzinfo=timezone.utc).timestamp())
_LATEST_SECONDS = int(datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp())
_GRAPHEME = regex.compile(r"\X")


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def check_reply_text(text: str, limit: int = GRAPHEME_LIMIT) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Bluesky reply text is empty")
    count = grapheme_count(text)
    if count > limit:
        raise ValueError(
            f"Bluesky reply text is {count} characters (graphemes) long; Bluesky allows at most {limit}"
        )


def encode_tid(value: int) -> str:
    """The 13-character base32-sortable form of a 64-bit TID (top bit always 0)."""
    if not 0 <= value < 1 << 63:
        raise ValueError(f"TID value {value} is outside 0..2^63-1")
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def decode_tid(text: str) -> int | None:
    if len(text) != 13 or text[0] not in _TID_ALPHABET[:16] or any(c not in _TID_ALPHABET for c in text):
        return None
    value = 0
    for char in text:
        value = (value << 5) | _TID_ALPHABET.index(char)
    return value


def reply_rkey(target_uri: str, idempotency_key: str) -> str:
    """A record key that only depends on the target post's at-uri and the idempotency key.

    The PDS refuses a second record under the same key, so a retried reply can
    never become a second post. The key is a valid TID set in the second after
    the target's own TID (so the brand repo stays in rough time order); a hash
    of (target, key) fills the sub-second and clock-id bits.
    """
    digest = hashlib.sha256(f"{target_uri}\n{idempotency_key}".encode()).digest()
    spread = int.from_bytes(digest[:8], "big")
    target_tid = decode_tid(target_uri.rsplit("/", 1)[-1])
    seconds = (target_tid >> 10) // 1_000_000 if target_tid is not None else _EARLIEST_SECONDS
    seconds = min(max(seconds, _EARLIEST_SECONDS), _LATEST_SECONDS) + 1
    micros = seconds * 1_000_000 + spread % 1_000_000
    return encode_tid((micros << 10) | ((spread >> 40) & 0x3FF))


def rate_limit_delay(reset_at: datetime | None, retry_after: float | None,
                     now: datetime | None = None, fallback: float = 60.0, cap: float = 900.0) -> float:
    """Seconds to wait after a 429: until `ratelimit-reset`, else `retry-after`, else `fallback`."""
    now = now or datetime.now(timezone.utc)
    if reset_at is not None:
        delay = (reset_at - now).total_seconds()
    elif retry_after is not None:
        delay = retry_after
    else:
        delay = fallback
    return min(max(delay, 1.0), cap)
