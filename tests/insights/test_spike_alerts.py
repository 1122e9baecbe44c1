"""Spike alerts through the app: a burst on a route, a shared label and a
watched term is alerted once in the configured channel, with a chart of the
last 24 h, top terms, sample posts and the incident card; it is edited in
place while it lasts (also after a restart) and says when it is over."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.store import tables as t
from tests.core.harness import ALEX, WORKSPACE, make_world, mention

SPIKY = WORKSPACE.replace("incidents: {threshold: 3, window: 10m, routes: [support]}", """incidents: {threshold: 3, window: 10m, routes: [support]}
spikes: {window: 15m, sustain: 10m, min_count: 6, floor: 1, team: sales, terms: [checkout]}""")


def burst(start: int, n: int, minutes_apart: float = 1.0, first_minute: float = 0):
    return [mention(start + i, f"@acme checkout is down again, order failed {i}", handle=f"user{start + i}",
                    minutes=int(first_minute + i * minutes_apart)) for i in range(n)]


async def test_burst_is_alerted_once_edited_in_place_and_closed(database_url, tmp_path):
    w = await make_world(database_url, tmp_path, SPIKY)
    await w.run(ALEX, "watch", args="add refund")
    for m in burst(1, 14):
        w.clock.set(m.created_at)
        await w.ingest(m)
        await w.app.insights.spikes.scan()
        await w.drain()
    alerts = [(ref, text) for ref, text in w.chat.messages.values() if "Spike on route support" in text]
    assert len(alerts) == 1 and alerts[0][0].channel == "#sales"  # posted once, in the configured channel
    ref, text = alerts[0]
    top = next(line for line in text.splitlines() if line.startswith("Top terms: "))
    assert "checkout" in top and "@user" in text and "Incident card: case #" in text
    term_alerts = [text for _r, text in w.chat.messages.values() if "Spike on term checkout" in text]
    assert len(term_alerts) == 1
    assert not any("term refund" in text for _r, text in w.chat.messages.values())
    charts = [(channel, path) for channel, path, _title in w.chat.files]
    assert len(charts) == 2 and all(path.read_bytes()[:4] == b"\x89PNG" for _c, path in charts)
    async with w.db.sessions() as s:
        spike = (await s.execute(select(t.Spike).where(t.Spike.series == "route:support"))).scalar_one()
    first_count = spike.figures["count"]

    # A restart: the open spike is found again and its alert edited, not reposted.
    chat = w.chat
    again = App(w.app.ws, w.db, w.core, {"console": chat}, [], {}, InProcessBus(), w.clock)
    more = burst(100, 3, first_minute=14)
    for m in more:
        w.clock.set(m.created_at)
        await w.core.pipeline.ingest([m])
    assert await again.insights.spikes.scan() >= 1
    while await again.chat_worker.run_due():
        pass
    alerts = [text for _r, text in chat.messages.values() if "on route support" in text]
    assert len(alerts) == 1 and f"{first_count} mentions" not in alerts[0]

    w.clock.advance(timedelta(hours=2))  # quiet again
    await again.insights.spikes.scan()
    while await again.chat_worker.run_due():
        pass
    final = chat.messages[ref.message_id][1]
    assert final.startswith("Spike over on route support") and "ended" in final
    async with w.db.sessions() as s:
        spikes = list((await s.execute(select(t.Spike).order_by(t.Spike.id))).scalars())
        rows = list((await s.execute(select(t.Outbox.status).where(t.Outbox.kind == "chat.spike"))).scalars())
    assert {sp.series for sp in spikes} == {"route:support", "term:checkout"} and all(sp.ended_at for sp in spikes)
    assert set(rows) == {"sent"}
    assert await again.insights.spikes.scan() == 0  # nothing open, nothing new
    await w.db.close()


async def test_steady_traffic_raises_no_alert(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path, SPIKY)
    for i in range(12):  # one every ten minutes: within what a floor of one an hour allows for a 15-minute window
        m = mention(i + 1, f"@acme my order {i} is late", handle=f"u{i}", minutes=i * 10)
        w.clock.set(m.created_at)
        await w.ingest(m)
        assert await w.app.insights.spikes.scan() == 0
    assert not w.chat.messages
    await w.db.close()
