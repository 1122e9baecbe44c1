"""`rejoinder run` from a workspace file: replay source → cards → approve → published."""
from __future__ import annotations

import asyncio
import io
import json

from rich.console import Console

from bot.app.root import App
from bot.config.loader import load_workspace
from bot.intake.pipeline import load_cursor
from bot.ports import Command
from bot.app.settings import Settings
from bot.types import ChatUser
from integrations.chat.console import ConsolePlatform
from integrations.social.replay import read_replies
from tests.core.harness import watch_published

WORKSPACE = """
version: 1
organisation: {name: Acme, handles: {x: acme}}
teams: [{name: support, channel: "#support"}]
routes:
  - {name: support, team: support, match: {all: [{handle: acme}, {keyword: [order, help]}]}}
roles: {members: {sam: [agent], dana: [approver]}}
sources: [{type: replay, name: feed, path: feed.jsonl, output: out.jsonl}]
"""


def line(n: int, text: str) -> str:
    return json.dumps({"network": "x", "external_id": str(n), "author": {"handle": f"u{n}"}, "text": text,
                       "created_at": "2026-11-20T09:00:00Z"})


class WatchedConsole(ConsolePlatform):
    def __init__(self) -> None:
        super().__init__(Console(file=io.StringIO()))
        self.card_posted = asyncio.Event()

    async def post_card(self, channel, card):
        ref = await super().post_card(channel, card)
        self.card_posted.set()
        return ref


async def test_run_serves_the_workspace_file(tmp_path):
    (tmp_path / "rejoinder.yaml").write_text(WORKSPACE)
    (tmp_path / "feed.jsonl").write_text("\n".join([line(1, "@acme where is my order?"), "{not json",
                                                    line(2, "nice weather")]) + "\n")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    ws = load_workspace(tmp_path / "rejoinder.yaml")
    console = WatchedConsole()
    app = await App.create(settings, ws, tmp_path, platforms={"console": console})
    published = watch_published(app)
    runner = asyncio.create_task(app.run())
    try:
        await asyncio.wait_for(console.card_posted.wait(), timeout=10)
        [(channel, card)] = console.posted
        assert channel == "#support" and card.mention_text == "@acme where is my order?"
        sam, dana = ChatUser("sam", "Sam"), ChatUser("dana", "Dana")
        assert (await app.dispatcher.run(Command("draft", "", sam, case_id=card.case_id))).ok
        assert (await app.dispatcher.run(Command("approve", "", dana, case_id=card.case_id))).ok
        await asyncio.wait_for(published.wait(), timeout=10)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    [reply] = read_replies(tmp_path / "out.jsonl")
    assert reply["in_reply_to"] == "1"
    # Restarting resumes after the saved cursor: nothing is ingested twice.
    again = await App.create(settings, ws, tmp_path, platforms={"console": WatchedConsole()})
    assert await load_cursor(again.db, "feed") == "3"
    await again.close()


def test_run_refuses_a_bad_workspace_before_starting(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.app.cli import app as cli

    (tmp_path / "rejoinder.yaml").write_text(WORKSPACE.replace("channel:", "chanel:"))
    monkeypatch.setenv("REJOINDER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    result = CliRunner().invoke(cli, ["run", "--config", str(tmp_path / "rejoinder.yaml")])
    assert result.exit_code == 1
    assert "rejoinder.yaml:4" in result.output and "did you mean 'channel'" in result.output
    assert not (tmp_path / "r.db").exists()  # nothing started
