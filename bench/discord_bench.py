"""Discord end to end: a mention's way to a card in a Discord channel, and a burst.

The real App runs as `rejoinder run` runs it (pipeline consumer, chat and
publish outbox workers, SQLite), connected through the real discord.py to
the local Discord, which keeps Discord's own limits: 5 messages per 5 s per
channel (posts and edits each), announced in `X-RateLimit-*` headers, and
429 with `retry_after` beyond them; 50 requests a second per bot overall.

- latency: mentions ingested one at a time, each to one of 40 team channels
  in turn; from the `ingest` call to the local Discord answering that case's
  card post.
- burst: many matching mentions on one route within a minute, with incident
  folding on that route: posts per minute in that channel, 429s (any is a
  broken limit), and whether every mention is stored and reachable from a case.
"""
from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.slack_bench import BATCH, CHANNELS, mention, percentile
from bot.store import tables as t
from tests.discord_e2e.world import DiscordWorld, case_of, start_world
from tests.emulators.discord import DiscordEmulator, point_discord_py_at

BURST_CHANNEL = "510000000000000999"
ZONE = "5100000000000000{:02d}"
DISCORD_LIMIT = (5, 5.0)  # messages per channel per 5 s


def workspace() -> str:
    teams = [f"  - {{name: zone{i}, platform: discord, channel: '{ZONE.format(i)}'}}" for i in range(CHANNELS)]
    routes = [f"  - {{name: zone{i}, team: zone{i}, match: {{keyword: zone{i}}}}}" for i in range(CHANNELS)]
    return "\n".join([
        "version: 1",
        "organisation: {name: Acme, handles: {x: acme}}",
        "teams:", *teams, f"  - {{name: care, platform: discord, channel: '{BURST_CHANNEL}'}}",
        "routes:", *routes, "  - {name: outage, team: care, priority: high, match: {phrase: app is down}}",
        "incidents: {threshold: 10, window: 10m, routes: [outage]}",
        "sources:",
        "  - {type: replay, name: feed, path: feed.jsonl, output: replies.jsonl}",
        "",
    ])


def _card_at(emu: DiscordEmulator, case_id: int, seen: dict[int, float]) -> float | None:
    """Scans only the calls not looked at before (the list only grows)."""
    start = int(seen.get(-1, 0))
    for call in emu.calls[start:]:
        if call.name == "message.create" and call.status == 200 and case_of(call) is not None:
            seen.setdefault(case_of(call), call.at)
    seen[-1] = len(emu.calls)
    return seen.get(case_id)


async def card_latency(world: DiscordWorld, emu: DiscordEmulator, count: int) -> list[float]:
    seen: dict[int, float] = {}
    latencies = []
    for n in range(count + 3):  # the first few warm up VADER and language detection
        zone = n % CHANNELS
        started = time.monotonic()
        [result] = await world.ingest(mention(f"lat{n}", f"@acme my order from zone{zone} is late", f"buyer{n}"))
        at = await emu.wait_until(lambda: _card_at(emu, result.case_id, seen), 30, f"card for case {result.case_id}")
        if n >= 3:
            latencies.append(at - started)
    return latencies


async def burst(world: DiscordWorld, emu: DiscordEmulator, count: int, watch: float) -> dict:
    started = time.monotonic()
    for first in range(0, count, BATCH):
        await world.ingest(*(mention(f"burst{n}", f"the app is down again, checkout fails #{n}", f"angry{n}")
                             for n in range(first, min(first + BATCH, count))))
    fed = time.monotonic() - started
    left = watch - fed
    if left > 0:
        await asyncio.sleep(left)  # the bench watches the channel for a fixed time
    window = time.monotonic() - started
    prefix = f"channels/{BURST_CHANNEL}/"
    calls = [c for c in emu.calls if c.at >= started and c.path.startswith(prefix) and c.status == 200]
    posts = [c.at for c in calls if c.name == "message.create"]
    edits = [c.at for c in calls if c.name == "message.edit"]
    async with world.app.db.sessions() as s:
        stored = (await s.execute(select(func.count()).select_from(t.Mention).join(t.Case, t.Mention.case_id == t.Case.id)
                                 .where(t.Mention.route == "outage"))).scalar_one()
        cases = (await s.execute(select(func.count()).select_from(t.Case).where(t.Case.route == "outage"))).scalar_one()
        incidents = (await s.execute(select(func.count()).select_from(t.Case).where(
            t.Case.route == "outage", t.Case.is_incident.is_(True)))).scalar_one()
    return {"fed_s": fed, "window_s": window, "posts": len(posts), "edits": len(edits),
            "per_min": round((len(posts) + len(edits)) / window * 60, 1),
            "lost": count - stored, "cases": cases, "incidents": incidents,
            "rate_limited": len(emu.rate_limited)}  # over the whole run: any 429 is a limit broken


async def measure(quick: bool, note) -> dict:
    latency_count = 60 if quick else 400
    burst_count = 2_000 if quick else 10_000
    watch = 8.0 if quick else 75.0
    with tempfile.TemporaryDirectory() as tmp:
        emu = await DiscordEmulator().start()
        restore = point_discord_py_at(emu)
        emu.limits.update({"message.create": DISCORD_LIMIT, "message.edit": DISCORD_LIMIT})
        emu.global_limit = 50
        emu.add_channel(BURST_CHANNEL, "care")
        for i in range(CHANNELS):
            emu.add_channel(ZONE.format(i), f"zone{i}")
        world = await start_world(emu, f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", Path(tmp), workspace=workspace())
        try:
            latencies = await card_latency(world, emu, latency_count)
            result = await burst(world, emu, burst_count, watch)
        finally:
            await world.stop()
            restore()
            await emu.close()
    note(f"latency: {latency_count} mentions one at a time over {CHANNELS} channels; "
         f"burst: {burst_count:,} mentions{' (quick: fewer)' if quick else ''} fed in {result['fed_s']:.1f} s, "
         f"channel watched {result['window_s']:.0f} s; {result['cases']} cases, {result['incidents']} incident; "
         f"{result['posts']} posts and {result['edits']} card edits in that channel; 429s: {result['rate_limited']}")
    return {
        "discord_card_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "discord_card_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "discord_burst_mentions": burst_count,
        "discord_burst_channel_requests_per_min": result["per_min"],
        "discord_429s": result["rate_limited"],
        "discord_burst_incidents": result["incidents"],
        "discord_burst_lost": result["lost"],
        "discord_burst_cases": result["cases"],
    }


def run(quick: bool, note) -> dict:
    return asyncio.run(measure(quick, note))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv, print)))
