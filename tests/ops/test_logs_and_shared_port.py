"""LOG_FORMAT=json writes one JSON object per line with secrets masked; the
endpoints share Slack's HTTP-mode port when both are configured there."""
from __future__ import annotations

import io
import json
import logging

import aiohttp

from bot.app.logs import setup_logging
from bot.app.settings import Settings
from integrations.chat.slack.platform import SlackPlatform
from integrations.ops.http import OpsServer
from tests.slack.conftest import StandInCore

TOKEN = "xoxb-1234-secret-token-value"


def test_json_lines_carry_no_secret(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = Settings(slack_bot_token=TOKEN, database_url="postgresql://app:pg-pass-42@db/rejoinder")
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(settings, out)
        log = logging.getLogger("rejoinder.test")
        log.warning("calling Slack with %s failed", TOKEN)
        try:
            raise RuntimeError("connect to postgresql://app:pg-pass-42@db failed")
        except RuntimeError:
            log.exception("database down")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(l["level"], l["logger"]) for l in lines] == [("WARNING", "rejoinder.test"), ("ERROR", "rejoinder.test")]
    assert lines[0]["message"] == "calling Slack with *** failed" and "time" in lines[0]
    assert "RuntimeError" in lines[1]["exception"]
    assert TOKEN not in out.getvalue() and "pg-pass-42" not in out.getvalue()


async def test_endpoints_ride_on_slacks_http_mode_server(emu):
    async def ready():
        return {"database": "ok"}

    async def text():
        return b"# HELP x\n"

    platform = SlackPlatform(emu.bot_token, None, "signing-secret", api_base_url=emu.api_url, http_port=0)
    platform.extra_routes = OpsServer(ready, text, "text/plain").routes()
    await platform.start(StandInCore(emu.team_id).handlers())
    try:
        async with aiohttp.ClientSession() as http:
            for path, status in (("/healthz", 200), ("/readyz", 200), ("/metrics", 200)):
                async with http.get(f"http://127.0.0.1:{platform.http_port}{path}") as response:
                    assert response.status == status, path
            async with http.post(f"http://127.0.0.1:{platform.http_port}/slack/events", data=b"{}") as response:
                assert response.status == 401  # Slack's endpoint still checks signatures
    finally:
        await platform.stop()
