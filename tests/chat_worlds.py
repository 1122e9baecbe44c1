"""What the Slack and Discord end-to-end worlds share: the moves every flow
starts with, and a fixture body that fails a test on any error logged while
its worlds ran (work after an ack only logs its failures)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager


class WorldFlows:
    """Mixed into a world that has `app`, `handled`, `card`, `click`, `update`
    and an `AGENT` (the user id of an agent who may ask for drafts)."""

    AGENT: str

    async def ingest(self, *mentions):
        """What the pipeline consumer does with bus deliveries: store, then wake the workers."""
        results = await self.app.core.pipeline.ingest(list(mentions))
        self.app.poke()
        return results

    async def drafted(self, n: int = 1, text: str = "@acme my order never arrived, can you help?"):
        """A case with its card, and a template draft the agent asked for with the card's button."""
        from tests.slack_e2e.world import mention  # that module builds on this one

        [result] = await self.ingest(mention(n, text))
        card = await self.card(result.case_id)
        await self.handled.wait("chat.post", result.case_id)
        await self.click(self.AGENT, card, "draft")
        await self.update(card, "Draft v1")
        return result.case_id, card


@asynccontextmanager
async def worlds_without_errors(start_world, emu, tmp_path, caplog):
    """Yields start(database_url, **options) -> a running world; every world is stopped afterwards."""
    worlds = []

    async def start(database_url: str, **options):
        world = await start_world(emu, database_url, tmp_path, **options)
        worlds.append(world)
        return world

    caplog.set_level(logging.WARNING)
    yield start
    # Checked before stopping: cancelling work at shutdown may log its own noise.
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    for world in worlds:
        await world.stop()
    assert errors == [], errors
