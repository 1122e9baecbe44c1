"""The signed outbound webhook: each interaction is delivered with an HMAC
signature and a delivery id that stays the same on every retry, so the
receiver keeps each event once; a 5xx is retried with backoff, a 4xx other
than 408/429 is given up."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from integrations.sinks.webhook import WebhookSender, signature
from tests.core.harness import DANA, SAM, mention
from tests.crm.conftest import TOKEN
from tests.crm.world import make_crm_world

SECRET = "whsec-test"
DOC = Path(__file__).resolve().parents[2] / "docs" / "crm-webhook.md"


def documented_schema() -> dict:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Body: JSON Schema")
    block = text[text.index("```json", start) + 7:text.index("```", text.index("```json", start) + 7)]
    return json.loads(block)


def schema_errors(value, schema: dict, where: str = "$") -> list[str]:
    """The subset of JSON Schema the documented schema uses: type, const, enum, required, properties."""
    kinds = {"object": dict, "string": str, "integer": int, "null": type(None)}
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(isinstance(value, kinds[k]) and not (k == "integer" and isinstance(value, bool)) for k in types):
            errors.append(f"{where}: {value!r} is not {types}")
    if isinstance(value, dict):
        errors += [f"{where}.{k}: missing" for k in schema.get("required", ()) if k not in value]
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                errors += schema_errors(value[k], sub, f"{where}.{k}")
    return errors


class Receiver:
    """An integration platform's endpoint: verifies signatures, keeps events once."""

    def __init__(self) -> None:
        self.answers: list[int] = []  # scripted statuses, then 200
        self.events: dict[str, dict] = {}
        self.deliveries: list[tuple[str, bool]] = []  # (delivery id, signature valid)
        self.changed = asyncio.Event()

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp = request.headers["X-Rejoinder-Timestamp"]
        valid = request.headers["X-Rejoinder-Signature"] == signature(SECRET, stamp, body)
        delivery = request.headers["X-Rejoinder-Delivery"]
        self.deliveries.append((delivery, valid))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200 and valid:
            self.events.setdefault(delivery, json.loads(body))
        self.changed.set()
        return web.Response(status=status if valid else 401)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.hook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"


async def test_events_are_signed_retried_and_kept_once(database_url, tmp_path, hub, seeded):
    receiver = Receiver()
    url = await receiver.start()
    sinks = f"sinks:\n  - {{type: webhook, name: erp, url: '{url}', secret_env: ERP_SECRET}}\n"
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN, extra=sinks,
                             sinks=lambda db: WebhookSender(db, {"erp": (url, SECRET, 5.0)}))
    try:
        receiver.answers = [503]  # the first delivery fails; the outbox tries again later
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        assert receiver.deliveries and receiver.events == {}
        w.clock.advance(timedelta(seconds=5))
        await w.drain()
        await w.run(SAM, "draft", r.case_id)
        await w.run(DANA, "approve", r.case_id)
        ids = [d for d, _ in receiver.deliveries]
        assert ids[0] == ids[1] == "hook:erp:mention:x:1"  # the retry carried the same id
        assert all(valid for _, valid in receiver.deliveries)
        assert sorted(e["event"] for e in receiver.events.values()) == ["mention", "reply"]
        reply = next(e for e in receiver.events.values() if e["event"] == "reply")
        assert reply["schema"] == "rejoinder.interaction/1" and reply["case"]["id"] == r.case_id
        assert reply["author"] == {"network": "x", "handle": "maria", "name": "Maria"}
        assert reply["text"] == w.published()[0]["text"]
        schema = documented_schema()
        assert [e for event in receiver.events.values() for e in schema_errors(event, schema)] == []
        assert schema_errors({**reply, "event": "retweet"}, schema)  # the check can fail
    finally:
        await w.db.close()
        await receiver.runner.cleanup()


async def test_a_receiver_that_refuses_is_given_up_not_hammered(database_url, tmp_path, hub, seeded):
    receiver = Receiver()
    url = await receiver.start()
    sinks = f"sinks:\n  - {{type: webhook, name: erp, url: '{url}', secret_env: ERP_SECRET, events: [mention]}}\n"
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN, extra=sinks,
                             sinks=lambda db: WebhookSender(db, {"erp": (url, "another-secret", 5.0)}))
    try:
        await w.ingest(mention(1, "@acme my order is broken"))
        assert receiver.deliveries == [("hook:erp:mention:x:1", False)]
        w.clock.advance(timedelta(minutes=10))
        await w.drain()
        assert len(receiver.deliveries) == 1  # 401: given up, not retried
        said = [text for _ref, text in w.chat.thread_lines]
        assert any(t.startswith("Writing the mention to the webhook sink failed and will not be retried: erp refused")
                   for t in said), said
    finally:
        await w.db.close()
        await receiver.runner.cleanup()
