"""The app as `rejoinder run` builds it from the workspace file: the CRM
connector and the webhook sink come from the `crm:` and `sinks:` sections and
their secrets from the environment; its CRM worker runs beside the others."""
from __future__ import annotations

import asyncio
import json

from bot.app.root import App
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from tests.core.test_run import WatchedConsole
from tests.crm.conftest import TOKEN
from tests.crm.test_webhook_sink import SECRET, Receiver


def workspace(url: str, hook: str) -> str:
    return f"""
version: 1
organisation: {{name: Acme, handles: {{x: acme}}}}
teams: [{{name: support, channel: "#support"}}]
routes:
  - {{name: support, team: support, match: {{all: [{{handle: acme}}, {{keyword: [order, help]}}]}}}}
sources: [{{type: replay, name: feed, path: feed.jsonl, output: out.jsonl}}]
crm: {{type: hubspot, token_env: HUBSPOT_TOKEN, base_url: '{url}', handle_fields: {{x: twitterhandle}}}}
sinks: [{{type: webhook, name: erp, url: '{hook}', secret_env: ERP_SECRET}}]
"""


async def test_run_writes_back_through_the_configured_crm(tmp_path, hub, seeded, monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setenv("ERP_SECRET", SECRET)
    receiver = Receiver()
    (tmp_path / "rejoinder.yaml").write_text(workspace(hub.url, await receiver.start()))
    (tmp_path / "feed.jsonl").write_text(json.dumps({
        "network": "x", "external_id": "1", "author": {"handle": "maria", "name": "Maria"},
        "text": "@acme where is my order?", "created_at": "2026-11-20T09:00:00Z"}) + "\n")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    ws = load_workspace(tmp_path / "rejoinder.yaml")
    app = await App.create(settings, ws, tmp_path, platforms={"console": WatchedConsole()})
    assert app.core.cards.crm is not None and app.crm.directory.name == "hubspot"
    runner = asyncio.create_task(app.run())
    try:
        await hub.wait_until(lambda: len(hub.notes_on(seeded.maria)) == 1, 20, "the mention's note")
        await asyncio.wait_for(receiver.changed.wait(), 20)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await receiver.runner.cleanup()
    assert receiver.deliveries == [("hook:erp:mention:x:1", True)]
    [note] = hub.notes_on(seeded.maria)
    assert note["properties"]["rejoinder_key"] == "crm:mention:x:1"
