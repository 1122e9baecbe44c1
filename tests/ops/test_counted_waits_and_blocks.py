"""Rate-limit waits and guardrail blocks reach the metrics."""
from __future__ import annotations

from bot import metrics
from bot.app.observe import instrument
from bot.store import tables as t
from integrations.chat.slack.limits import ChannelRateLimiter
from integrations.ops.prometheus import PrometheusSink
from tests.slack_e2e.world import DANA


async def test_waits_on_a_channels_pace_are_observed():
    sink = PrometheusSink()
    metrics.install(sink)
    try:
        limiter = ChannelRateLimiter(rate=50, burst=1)

        async def post():
            return "ok"

        for _ in range(3):  # the first goes at once, the next two wait for the pace
            await limiter.call("C1", post)
        count = sink.registry.get_sample_value("rejoinder_rate_limit_wait_seconds_count", {"platform": "slack"})
        total = sink.registry.get_sample_value("rejoinder_rate_limit_wait_seconds_sum", {"platform": "slack"})
        assert count == 2 and 0.02 < total < 1
    finally:
        metrics.install(None)


async def test_a_blocked_draft_is_counted_by_rule(make_world, sqlite_url, emu):
    world = await make_world(sqlite_url)
    sink = PrometheusSink()
    metrics.install(sink)
    try:
        instrument(world.app)
        case_id, card = await world.drafted()
        await world.click(DANA, card, "edit")
        editor = await emu.wait_for_call("views.update")
        await world.submit(DANA, editor, "Win big at http://evil.example/win now")  # a link off the allowlist
        await world.update(card, "Draft v2")
        [v1, v2] = await world.rows(t.Draft, t.Draft.case_id == case_id)
        assert v2.blocked and not v1.blocked
        rules = {f["rule"] for f in v2.findings if f["severity"] == "block"}
        assert rules and all(
            sink.registry.get_sample_value("rejoinder_guardrail_blocks_total", {"rule": rule}) == 1 for rule in rules)
    finally:
        metrics.install(None)
