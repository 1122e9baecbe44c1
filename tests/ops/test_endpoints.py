"""/healthz, /readyz and /metrics of a running app, read over HTTP with a
real client while the app ingests, drafts, approves and publishes."""
from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.app.ops import start_ops
from bot.app.root import App
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from tests.slack_e2e.world import DANA, mention


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_health_readiness_and_metrics_of_a_running_app(make_world, sqlite_url, emu):
    world = await make_world(sqlite_url)
    ops = await start_ops(world.app, Settings(database_url=sqlite_url, http_port=0, redis_url=None))
    base = f"http://127.0.0.1:{ops.port}"
    try:
        assert (await get(base + "/healthz"))[0] == 200
        status, body = await get(base + "/readyz")
        assert status == 200 and '"migrations": "ok"' in body and '"bus": "ok"' in body

        case_id, card = await world.drafted()
        await world.click(DANA, card, "approve")
        await world.thread_line(card, "Published on x")
        await world.ingest(mention(2, "lovely weather today"))  # matches no route: in, not kept
        status, text = await get(base + "/metrics")
        assert status == 200
        found = samples(text)
        assert found[("rejoinder_mentions_in_total", (("network", "x"),))] == 2
        assert found[("rejoinder_mentions_kept_total", (("network", "x"),))] == 1
        assert found[("rejoinder_publish_results_total", (("result", "sent"),))] == 1
        assert found[("rejoinder_chat_inbox_waiting", ())] == 0
        assert found[("rejoinder_stream_lag", (("topic", "mentions"),))] == 0
        for metric in metrics.ALL:  # every defined metric is exposed, even before its first value
            assert f"# HELP {metric.name.removesuffix('_total')}" in text
    finally:
        await ops.stop()
        metrics.install(None)


async def test_readiness_names_an_unreachable_bus(sqlite_url, tmp_path):
    (tmp_path / "rejoinder.yaml").write_text("version: 1\nteams: [{name: s, platform: console, channel: s}]\n")
    settings = Settings(database_url=sqlite_url, redis_url="redis://127.0.0.1:9/0", http_port=0, openai_api_key=None)
    app = await App.create(settings, load_workspace(tmp_path / "rejoinder.yaml"), tmp_path)
    ops = await start_ops(app, settings)
    try:
        status, body = await get(f"http://127.0.0.1:{ops.port}/readyz")
        assert status == 503 and '"database": "ok"' in body and '"bus": "unreachable' in body
        assert (await get(f"http://127.0.0.1:{ops.port}/healthz"))[0] == 200  # alive all the same
    finally:
        await ops.stop()
        metrics.install(None)
        await app.close()
