"""Idempotency keys as stored on CRM records. A key travels in URLs (an
upsert by External ID, a read by unique property), so one holding other
characters (a Bluesky at:// post id) is stored as a digest of itself."""
from __future__ import annotations

import hashlib
import re

_SAFE_KEY = re.compile(r"^[A-Za-z0-9:._-]{1,255}$")


def record_key(key: str) -> str:
    return key if _SAFE_KEY.match(key) else "h:" + hashlib.sha256(key.encode()).hexdigest()
