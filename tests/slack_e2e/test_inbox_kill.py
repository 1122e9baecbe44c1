"""A real `rejoinder run` process killed with SIGKILL right after Slack got
the ack of an Approve click: after a restart the click is applied, once."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from integrations.social.replay import read_replies
from tests.slack_e2e.world import DANA, SAM, WORKSPACE, case_of, mention

RUN = str(Path(sys.executable).parent / "rejoinder")


async def start(emu, tmp_path: Path) -> asyncio.subprocess.Process:
    links = len(emu.links)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REJOINDER_", "REDIS", "OPENAI"))}
    env.update(SLACK_BOT_TOKEN=emu.bot_token, SLACK_APP_TOKEN=emu.app_token, SLACK_API_BASE_URL=emu.api_url,
               REJOINDER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", REJOINDER_HTTP_PORT="0")
    process = await asyncio.create_subprocess_exec(RUN, "run", "--config", str(tmp_path / "rejoinder.yaml"),
                                                   cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)
    await emu.wait_for_link(links + 1, timeout=60)
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
        await process.wait()


async def click(emu, user: str, card, action: str) -> str:
    case_id = case_of(card)
    payload = emu.block_action(user, card.response["channel"], card.response["ts"], f"rejoinder:{action}",
                               value=str(case_id), block_id=f"case:{case_id}")
    return await emu.push("interactive", payload)


async def test_an_approve_acked_just_before_a_sigkill_is_applied_once_after_the_restart(emu, tmp_path):
    (tmp_path / "rejoinder.yaml").write_text(WORKSPACE, encoding="utf-8")
    feed = mention(1, "@acme my order never arrived, can you help?")
    (tmp_path / "feed.jsonl").write_text(feed.model_dump_json() + "\n", encoding="utf-8")
    process = await start(emu, tmp_path)
    try:
        card = await emu.wait_for_call("chat.postMessage", 60, lambda c: c.status == 200 and case_of(c) == 1)
        await click(emu, SAM, card, "draft")
        await emu.wait_for_call("chat.update", 30, lambda c: c.args.get("ts") == card.response["ts"]
                                and "Draft v1" in c.args.get("text", "") + str(c.args.get("blocks")))
        await emu.wait_for_ack(await click(emu, DANA, card, "approve"), timeout=30)
        await kill(process)  # at once: the click may or may not have been handled
        process = await start(emu, tmp_path)
        await emu.wait_for_call("chat.postMessage", 60, lambda c: c.args.get("thread_ts") == card.response["ts"]
                                and "Published on x" in c.args.get("text", ""))
        assert len(read_replies(tmp_path / "replies.jsonl")) == 1
        approved = [c for c in emu.calls_of("chat.postMessage") if "approved draft v1" in c.args.get("text", "")]
        assert len(approved) == 1
    finally:
        await kill(process)
