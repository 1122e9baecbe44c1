"""App.run hands the guardrails what the connected publishers can post: a
publisher with `text_limit` sets the limit for its network and the author the
reply answers; one without it leaves the guidelines' limit."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace


from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.drafting.template import TemplateDrafter
from bot.cases.drafts import addressee
from bot.ports import Command
from bot.store.db import Database
from integrations.social.replay import ReplayPublisher
from tests.core.harness import DANA, SAM, T0, WORKSPACE, StartedConsole, mention


class SizedPublisher(ReplayPublisher):
    """Posts to a file, but allows only 100 characters (less the author's handle) once connected."""

    def __init__(self, path) -> None:
        super().__init__(path, network="x")
        self.connected, self.asked = False, []

    async def connect(self) -> None:
        self.connected = True

    def text_limit(self, author_handle: str | None) -> int | None:
        self.asked.append(author_handle)
        return 100 - len(author_handle or "") if self.connected else None


async def test_run_sets_the_limit_from_the_connected_publisher(sqlite_url, tmp_path):
    ws = parse_workspace(WORKSPACE, "test.yaml")
    clock = ManualClock(T0)
    db = await Database(sqlite_url).start()
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    sized = SizedPublisher(tmp_path / "x.jsonl")
    console = StartedConsole()
    app = App(ws, db, core, {"console": console}, [], {"x": sized, "*": ReplayPublisher(tmp_path / "all.jsonl")},
              InProcessBus(), clock)
    assert core.guardrails.text_limit is None  # nothing connected yet: the guidelines alone
    runner = asyncio.create_task(app.run())
    try:
        await asyncio.wait_for(console.started.wait(), timeout=10)
        [x_case] = await core.pipeline.ingest([mention(1, "@acme my order is broken", handle="maria")])
        [bsky_case] = await core.pipeline.ingest([mention(2, "@acme.bsky.social my order is broken",
                                                          network="bluesky", handle="jo")])
        edited = await app.dispatcher.run(Command("edit", "a" * 96, SAM, case_id=x_case.case_id))
        assert ("96/95 characters on X (the most the connected X account can post in this reply); "
                "shorten the reply by 1.") in edited.text
        assert sized.asked[-1] == "maria"
        assert not (await app.dispatcher.run(Command("approve", "", DANA, case_id=x_case.case_id))).ok
        assert "Blocked" not in (await app.dispatcher.run(Command("edit", "a" * 95, SAM, case_id=x_case.case_id))).text
        # The catch-all publisher has no opinion: Bluesky keeps the guidelines' 300.
        assert "Blocked" not in (await app.dispatcher.run(Command("edit", "a" * 300, SAM,
                                                                  case_id=bsky_case.case_id))).text
        assert core.drafts.length_limit("x", "maria") == 95
        assert core.drafts.length_limit("bluesky", "jo") == 300
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


def test_the_reply_answers_the_post_publishing_would_answer():
    def row(handle: str, deleted: bool = False):
        return SimpleNamespace(deleted=deleted), SimpleNamespace(handle=handle)

    rows = [row("first"), row("middle"), row("last", deleted=True)]
    assert addressee(rows, is_incident=False) == "middle"  # the latest post still there
    assert addressee(rows, is_incident=True) == "first"  # an incident answers its first post
    assert addressee([row("gone", deleted=True)], is_incident=False) is None
