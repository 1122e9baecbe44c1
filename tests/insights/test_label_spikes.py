"""A label shared by several routes is a series of its own: a rise spread
over two routes, too small on either, is alerted on the label."""
from __future__ import annotations

from tests.core.harness import WORKSPACE, make_world, mention

SHARED = WORKSPACE.replace("""  - name: sales
    team: sales
    labels: [lead]""", """  - name: sales
    team: sales
    labels: [lead, bikes]""").replace("""  - name: support
    team: support
    match:""", """  - name: support
    team: support
    labels: [bikes]
    match:""").replace("incidents: {threshold: 3, window: 10m, routes: [support]}", """incidents: {threshold: 3, window: 10m, routes: [support]}
spikes: {window: 15m, sustain: 10m, min_count: 6, floor: 1}""")


async def test_a_rise_spread_over_two_routes_is_alerted_on_their_label(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SHARED)
    assert "label:bikes" in w.app.insights.spikes.series([])
    for i in range(12):  # every 2 minutes, by turns: each route sees at most 4 in any 15 minutes
        text = f"@acme my order {i} is broken" if i % 2 else f"@acme a quote for pricing {i} please"
        m = mention(i + 1, text, handle=f"u{i}", minutes=2 * i)
        w.clock.set(m.created_at)
        await w.ingest(m)
        await w.app.insights.spikes.scan()
        await w.drain()
    alerts = [text for _ref, text in w.chat.messages.values() if text.startswith("Spike")]
    assert [a.splitlines()[0].split(":")[0] for a in alerts] == ["Spike on label bikes"]
    await w.db.close()
