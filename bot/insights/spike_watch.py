"""Watches the mention streams for spikes: per route, per label shared by
several routes, and per watched term (configured or added with `watch add`).
A lasting rise opens a spike and queues its alert; while it lasts each scan
queues an edit of the same alert; when it falls back the alert says so.

Alerts are outbox rows (`chat.spike`). The spike row is unique per series
and start, and an open spike is found again after a restart, so an alert is
posted once and only ever edited after that."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, aware
from bot.config.workspace import Workspace, parse_duration
from bot.insights.spikes import Detector, Settings, Verdict, aligned_start
from bot.insights.sqltime import bucket
from bot.insights.zones import team_zone, zone_name
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.store.db import Database

NEGATIVE = -0.05
_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}", re.U)
STOP = frozenset("""the and for you your are was were with this that have has had not but all our out get got can cant
just its it's from they them their what when why how who will would about been into than then there here very
still again today now any some one does did doesn don't i'm im please thanks thank says said can't can’t
won't won’t don’t i’m i've i’ve it’s isn't isn’t didn't didn’t also even really too more much""".split())


class SpikeWatch:
    def __init__(self, db: Database, ws: Workspace, clock: Clock) -> None:
        self.db, self.ws, self.clock = db, ws, clock
        self.settings = Settings.of(ws.spikes)
        self.detector = Detector(self.settings)
        self.history = parse_duration(ws.spikes.history)
        self.bucket = timedelta(seconds=self.settings.bucket_s)
        self._last: tuple | None = None

    def series(self, extra_terms: list[str]) -> dict[str, tuple[str, list[str] | None, str | None, ZoneInfo]]:
        """series -> (team alerted, routes it covers, term, the timezone its rhythm follows)."""
        cfg, out = self.ws.spikes, {}
        by_label: dict[str, list] = {}
        for route in self.ws.routes:
            # A route's rhythm is its own team's day, wherever the alert goes.
            out[f"route:{route.name}"] = (cfg.team or route.team, [route.name], None, team_zone(self.ws, route.team))
            for label in route.labels:
                by_label.setdefault(label, []).append(route)
        for label, routes in by_label.items():
            if len(routes) > 1:  # a label of one route is that route's series
                out[f"label:{label}"] = (cfg.team or routes[0].team, [r.name for r in routes], None,
                                         team_zone(self.ws, routes[0].team))
        for term in {*(x.casefold() for x in cfg.terms), *extra_terms}:
            team = cfg.team or self.ws.teams[0].name
            out[f"term:{term}"] = (team, None, term, team_zone(self.ws, team))
        return out

    async def _counts(self, s, routes: list[str] | None, term: str | None, start: datetime, n: int) -> tuple[np.ndarray, np.ndarray]:
        m = t.Mention
        slot = bucket(m.created_at, s.bind.dialect.name, self.settings.bucket_s).label("slot")
        where = [m.created_at >= start, m.deleted.is_(False)]
        where.append(m.route.in_(routes) if routes is not None else func.lower(m.text).contains(term, autoescape=True))
        rows = await s.execute(select(slot, func.count(), func.sum(case((m.sentiment <= NEGATIVE, 1), else_=0)))
                               .where(*where).group_by(slot))
        counts, negatives = np.zeros(n), np.zeros(n)
        first = int(start.timestamp()) // self.settings.bucket_s
        for slot_no, count, neg in rows:
            i = int(slot_no) - first
            if 0 <= i < n:
                counts[i], negatives[i] = count, neg or 0
        return counts, negatives

    async def scan(self) -> int:
        """Check every series; returns how many alert posts or edits were queued."""
        if not self.ws.spikes.enabled:
            return 0
        now = self.clock.now()
        start = aligned_start(now, self.history)
        n = int((now - start) / self.bucket)  # complete buckets only: a bucket just begun would look quiet
        async with self.db.sessions() as s:
            # Nothing can have changed if no bucket completed and no mention
            # arrived (late ones land in completed buckets) since the last look.
            look = (start, n, (await s.execute(select(func.max(t.Mention.id)))).scalar_one())
            if look == self._last:
                return 0
            self._last = look
            watched = list((await s.execute(select(t.Watch.term))).scalars())
            open_spikes = {sp.series: sp for sp in (await s.execute(select(t.Spike).where(t.Spike.ended_at.is_(None)))).scalars()}
            verdicts = {}
            for key, (team, routes, term, zone) in self.series(watched).items():
                counts = await self._counts(s, routes, term, start, n)
                verdicts[key] = (team, routes, term, zone, self.detector.evaluate(*counts, start, zone))
        queued = 0
        for key, (team, routes, term, zone, v) in verdicts.items():
            spike = open_spikes.get(key)
            if spike is None and not (v.lasting or v.negative_rise):
                continue
            try:
                async with self.db.transaction() as s:
                    queued += await self._record(s, key, team, routes, term, v, spike, start, n, now, zone)
            except IntegrityError:  # another process opened the same spike first
                continue
        return queued

    async def _record(self, s, key: str, team: str, routes, term, v: Verdict, spike: t.Spike | None,
                      start: datetime, n: int, now: datetime, zone: ZoneInfo) -> int:
        if spike is None:
            # A volume rise starts where it rose; a rise of the negative share alone, with the window.
            first = v.started if v.started is not None else n - self.settings.window
            started = start + self.bucket * max(first, 0)
            figures = await self._figures(s, routes, term, v, now, started, zone)
            spike = t.Spike(series=key, team=team, started_at=started, updated_at=now, figures=figures, updates=0)
            s.add(spike)
            await s.flush()
            enqueue(s, "chat.spike", f"spike:{key}:{started:%Y%m%dT%H%M}:0", now, payload={"spike_id": spike.id, "post": True})
            return 1
        spike = await s.get(t.Spike, spike.id)
        ended = not (v.rising or v.negative_rise)
        if not ended and v.count == spike.figures.get("count"):
            return 0  # nothing new to show
        spike.figures = await self._figures(s, routes, term, v, now, aware(spike.started_at), zone, ended=ended)
        spike.updated_at, spike.updates = now, spike.updates + 1
        if ended:
            spike.ended_at = now
        enqueue(s, "chat.spike", f"spike:{spike.id}:{spike.updates}", now, payload={"spike_id": spike.id})
        return 1

    async def _figures(self, s, routes, term, v: Verdict, now: datetime, started: datetime, zone: ZoneInfo,
                       ended: bool = False) -> dict:
        m, a = t.Mention, t.Author
        since = now - self.bucket * self.settings.window
        match = m.route.in_(routes) if routes is not None else func.lower(m.text).contains(term, autoescape=True)
        recent = (await s.execute(select(m.text, a.handle).join(a, m.author_id == a.id)
                                  .where(match, m.created_at >= since, m.deleted.is_(False))
                                  .order_by(m.created_at.desc()).limit(300))).all()
        words = Counter(w.casefold() for text, _h in recent for w in set(_WORD.findall(text)))
        skip = STOP | {h.casefold() for h in self.ws.organisation.handles.values()} | {term or ""}
        incident = None
        if routes is not None:
            incident = (await s.execute(select(t.Case.id).where(
                t.Case.is_incident.is_(True), t.Case.route.in_(routes),
                t.Case.opened_at >= started - self.bucket * self.settings.window).order_by(t.Case.id.desc()).limit(1)
            )).scalar_one_or_none()
        first_hour = (now - timedelta(hours=len(v.hourly) - 1)).replace(minute=0, second=0, microsecond=0)
        return {
            "count": v.count, "expected": round(v.expected, 2), "ratio": round(min(v.ratio, 9999), 1),
            "negative_share": round(v.negative_share, 3), "usual_negative_share": None if v.usual_negative_share is None else round(v.usual_negative_share, 3),
            "negative_rise": v.negative_rise, "window_min": self.settings.window * self.settings.bucket_s // 60,
            "top_terms": [w for w, _n in words.most_common(12) if w not in skip and not w.startswith("@")][:5],
            "samples": [f"@{h}: {text[:140]}" for text, h in recent[:3]],
            "incident": incident, "ended": ended, "at": now.isoformat(),
            "hours": [(first_hour + timedelta(hours=i)).astimezone(zone).strftime("%H:%M") for i in range(len(v.hourly))],
            "zone": zone_name(zone),
            "hourly": v.hourly, "hourly_expected": v.hourly_expected,
        }


def alert_text(series: str, figures: dict, started: datetime) -> str:
    """What the alert says; the same message is edited as the figures change."""
    kind, _, name = series.partition(":")
    f = figures
    head = ("Spike over" if f.get("ended") else "Spike") + f" on {kind} {name}: "
    lines = [head + f"{f['count']} mentions in the last {f['window_min']} min, {f['ratio']}× the usual "
             f"{f['expected']} for this hour of the week."]
    usual = f.get("usual_negative_share")
    lines.append(f"Negative {f['negative_share']:.0%} " + (f"(usually {usual:.0%})" if usual is not None else "(no usual level yet)")
                 + (" — a significant rise." if f.get("negative_rise") else "."))
    if f.get("top_terms"):
        lines.append("Top terms: " + ", ".join(f["top_terms"]))
    lines += [f"  {sample}" for sample in f.get("samples", [])]
    if f.get("incident"):
        lines.append(f"Incident card: case #{f['incident']} (`case {f['incident']}`)")
    zone = ZoneInfo(f.get("zone") or "UTC")  # the team's wall clock
    when, since = datetime.fromisoformat(f["at"]).astimezone(zone), started.astimezone(zone)
    lines.append(f"Since {since:%H:%M %Z} · " + (f"ended {when:%H:%M %Z}" if f.get("ended") else f"updated {when:%H:%M %Z}"))
    return "\n".join(lines)
