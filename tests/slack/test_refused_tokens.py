"""A token Slack refuses stops the start with the name of its variable,
instead of a process that retries and logs a traceback every few seconds."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.ports import TokenRefused
from integrations.chat.slack.platform import SlackPlatform
from tests.slack.conftest import CARE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("wrong, variable", [("bot", "SLACK_BOT_TOKEN"), ("app", "SLACK_APP_TOKEN")])
async def test_a_refused_token_stops_the_start_naming_its_variable(emu, core, wrong, variable):
    bot = "xoxb-revoked" if wrong == "bot" else emu.bot_token
    app = "xapp-revoked" if wrong == "app" else emu.app_token
    platform = SlackPlatform(bot, app, None, api_base_url=emu.api_url)
    try:
        with pytest.raises(TokenRefused) as refused:
            await platform.start(core.handlers())
    finally:
        await platform.stop()
    assert refused.value.variable == variable and "invalid_auth" in str(refused.value)
    assert "revoked" not in str(refused.value)  # the value itself is never repeated
    assert emu.links == []  # no socket was opened, so nothing retries in the background
    assert len(emu.calls_of("apps.connections.open")) == (1 if wrong == "app" else 0)


async def test_rejoinder_run_exits_with_the_variable_named_and_no_traceback(emu, tmp_path):
    (tmp_path / "rejoinder.yaml").write_text(f"version: 1\nteams: [{{name: care, platform: slack, channel: {CARE}}}]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REJOINDER_", "REDIS", "OPENAI"))}
    env.update(SLACK_BOT_TOKEN=emu.bot_token, SLACK_APP_TOKEN="xapp-1-revoked-token", SLACK_API_BASE_URL=emu.api_url,
               REJOINDER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", REJOINDER_HTTP_PORT="0")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "rejoinder"), "run", "--config", str(tmp_path / "rejoinder.yaml"), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = (out + err).decode()
    assert process.returncode == 2, text
    assert "SLACK_APP_TOKEN" in text and "refused" in text
    assert "Traceback" not in text and "xapp-1-revoked-token" not in text
    assert len(emu.calls_of("apps.connections.open")) == 1  # asked once, not retried
