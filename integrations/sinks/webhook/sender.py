"""Delivers interaction events to an integration platform's endpoint. Each
POST is signed (HMAC-SHA256 over "timestamp.body") and carries the event id,
the same on every retry, so the receiver keeps each event once. Network
errors, 408, 429 and 5xx are retried by the outbox with backoff; any other
4xx means the receiver will never take it, and the row is given up (and
logged) rather than retried for ever."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from bot.crm.events import interaction_event
from bot.publishing.outbox import PermanentFailure
from bot.store import tables as t
from bot.store.db import Database

RETRIED = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookSender:
    def __init__(self, db: Database, sinks: dict[str, tuple[str, str, float]]) -> None:
        """`sinks`: name -> (url, secret, timeout in seconds)."""
        self.db, self.sinks = db, sinks

    async def handle(self, row: t.Outbox, uncertain: bool) -> dict:
        name = row.idempotency_key.split(":")[1]  # keys read hook:<sink>:<event>:...
        if name not in self.sinks:
            raise PermanentFailure(f"webhook sink {name!r} is no longer configured")
        url, secret, timeout = self.sinks[name]
        async with self.db.sessions() as s:
            event = await interaction_event(s, row)
        if event is None:
            return {"skipped": "the post is no longer stored"}
        body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Rejoinder-Event": event["event"],
                   "X-Rejoinder-Delivery": event["id"], "X-Rejoinder-Timestamp": stamp,
                   "X-Rejoinder-Signature": signature(secret, stamp, body)}
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, content=body, headers=headers)
        if 200 <= response.status_code < 300:
            return {"status": response.status_code}
        if response.status_code in RETRIED or response.status_code >= 500:
            raise ConnectionError(f"{name} answered {response.status_code}")  # retried with backoff
        raise PermanentFailure(f"{name} refused the event ({response.status_code}): {response.text[:200]}")
