"""HTTP mode: Slack posts to our endpoint and bolt checks every signature."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from slack_sdk.signature import SignatureVerifier

from integrations.chat.slack.platform import SlackPlatform
from tests.slack.conftest import BOSS, CARE, make_card

SECRET = "signing-secret-for-tests"


@pytest.fixture
async def http_slack(emu, core):
    platform = SlackPlatform(emu.bot_token, None, SECRET, api_base_url=emu.api_url, http_port=0)
    await platform.start(core.handlers())
    yield platform
    await platform.stop()


def signed(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }


async def post(platform: SlackPlatform, body: str, headers: dict) -> tuple[int, str]:
    url = f"http://127.0.0.1:{platform.http_port}/slack/events"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()


async def test_the_server_listens_on_the_port_it_was_given(http_slack):
    assert http_slack.mode == "http" and http_slack.http_port > 0


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/x-www-form-urlencoded"},
    "wrong secret",
    "stale",
])
async def test_unsigned_wrongly_signed_and_stale_requests_are_refused(emu, http_slack, core, headers):
    body = urlencode({"payload": json.dumps(emu.block_action(BOSS, CARE, "1.1", "rejoinder:approve", "7"))})
    if headers == "wrong secret":
        headers = signed(body, secret="not-the-secret")
    elif headers == "stale":
        headers = signed(body, timestamp=int(time.time()) - 600)
    status, _ = await post(http_slack, body, headers)
    assert status == 401
    assert core.commands == []


async def test_a_signed_click_is_handled(emu, http_slack, core):
    card = make_card()
    core.cards[7] = card
    ref = await http_slack.post_card(CARE, card)
    body = urlencode({"payload": json.dumps(emu.block_action(BOSS, CARE, ref.message_id, "rejoinder:approve", "7"))})
    status, _ = await post(http_slack, body, signed(body))
    assert status == 200
    command = await core.wait_for_command("approve")
    assert command.user.name == "Bea Boss" and command.case_id == 7
    reply = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("thread_ts") == ref.message_id)
    assert reply.args["text"] == "Approved by Bea Boss."


async def test_a_signed_slash_command_is_answered_through_the_response_url(emu, http_slack, core):
    body = urlencode(emu.slash_command(BOSS, CARE, "lookup maria@example.com"))
    status, _ = await post(http_slack, body, signed(body))
    assert status == 200
    answer = await emu.wait_for_response()
    assert answer["text"] == "Customer for maria@example.com: Maria Lopez (gold)"
