"""Carries out the alert and report effects from the outbox: a message in a
team's channel (SLA alerts), a spike alert posted once and then edited in
place with its chart, files (stats charts, scheduled reports). A platform
that cannot post messages or files is skipped with a note in the row."""
from __future__ import annotations

import base64
import logging

from sqlalchemy import select

from bot.chat.effects import ChatEffects
from bot.clock import aware
from bot.insights.charts import spike_chart
from bot.insights.spike_watch import alert_text
from bot.publishing.outbox import PermanentFailure
from bot.store import tables as t
from bot.types import MessageRef

log = logging.getLogger(__name__)


class InsightEffects:
    def __init__(self, chat: ChatEffects, reports=None) -> None:
        self.chat, self.db, self.reports = chat, chat.db, reports

    def handlers(self) -> dict:
        return {"chat.notice": self.notice, "chat.spike": self.spike, "chat.file": self.file, "chat.report": self.report}

    def _can(self, platform, method: str) -> bool:
        if getattr(platform, method, None) is None:
            log.warning("chat platform %s cannot %s; skipped", platform.name, method.replace("_", " "))
            return False
        return True

    async def _message(self, team: str, text: str, key: str, uncertain: bool, people=()) -> MessageRef | None:
        platform, channel, _partner = self.chat._platform(team)
        if not self._can(platform, "post_message"):
            return None
        finder = getattr(platform, "find_message", None)
        found = await finder(channel, key) if uncertain and finder is not None else None
        return found or await platform.post_message(channel, text, key=key, people=tuple(people))

    async def notice(self, row: t.Outbox, uncertain: bool) -> dict:
        p = row.payload
        ref = await self._message(p["team"], p["text"], row.idempotency_key, uncertain, p.get("people", ()))
        return {"message_id": ref.message_id} if ref else {"skipped": "platform cannot post messages"}

    async def spike(self, row: t.Outbox, uncertain: bool) -> dict:
        async with self.db.sessions() as s:
            spike = await s.get(t.Spike, row.payload["spike_id"])
            later = (await s.execute(select(t.Outbox.id).where(
                t.Outbox.kind == "chat.spike", t.Outbox.id > row.id, t.Outbox.status.in_(("pending", "sending", "uncertain")),
                t.Outbox.payload["spike_id"].as_integer() == spike.id).limit(1))).scalar_one_or_none()
        text = alert_text(spike.series, spike.figures, aware(spike.started_at))
        if spike.message_ref is None and not row.payload.get("post"):
            # Rows without a case run in lanes of their own: an edit may come up
            # while the first post is still on its way. It waits; it never posts.
            raise RuntimeError("the spike alert is not posted yet")
        if spike.message_ref is None:
            ref = await self._message(spike.team, text, f"spike:{spike.id}", uncertain)
            if ref is None:
                return {"skipped": "platform cannot post messages"}
            async with self.db.transaction() as s:
                (await s.get(t.Spike, spike.id)).message_ref = {**ref.__dict__}
            await self._chart(spike, ref)  # its ref was not saved before: no earlier try got as far as the chart
            return {"message_id": ref.message_id}
        ref = MessageRef(**spike.message_ref)
        if row.payload.get("post"):
            # The first post tried again after its ref was saved: the alert is up, its chart may not be.
            await self._chart(spike, ref, uncertain=True)
            return {"message_id": ref.message_id}
        if later is not None:
            return {"skipped": "a later edit follows"}  # it draws the same spike, newer
        platform, _channel, _partner = self.chat._platform(spike.team)
        if self._can(platform, "update_message"):
            await platform.update_message(ref, text)
        if spike.figures.get("ended"):
            await self._chart(spike, ref, final=True, uncertain=uncertain)  # the whole rise and fall, once
        return {"message_id": ref.message_id}

    async def _chart(self, spike: t.Spike, ref: MessageRef, final: bool = False, uncertain: bool = False) -> None:
        """The chart under the alert; each (the first, the final) once: a try after a doubt looks in the thread."""
        platform, channel, _partner = self.chat._platform(spike.team)
        if not self._can(platform, "post_file"):
            return
        name = f"spike-{spike.id}{'-ended' if final else ''}.png"
        lister = getattr(platform, "files_in_thread", None)
        if uncertain and lister is not None and name in await lister(ref):
            return
        f = spike.figures
        data = spike_chart(spike.series, f["hours"], f["hourly"], f["hourly_expected"], f.get("zone", "UTC"))
        await platform.post_file(channel, data, name, f"{spike.series}: last 24 h", thread=ref)

    async def file(self, row: t.Outbox, uncertain: bool) -> dict:
        p = row.payload
        platform = self.chat.platforms.get(p["platform"])
        if platform is None:
            raise PermanentFailure(f"chat platform {p['platform']} is not running")
        if not self._can(platform, "post_file"):
            return {"skipped": "platform cannot post files"}
        lister = getattr(platform, "files_in_channel", None)
        if uncertain and lister is not None and p["filename"] in await lister(p["channel"]):
            return {"found": True}  # an earlier try posted it; its answer was lost
        ref = await platform.post_file(p["channel"], base64.b64decode(p["data"]), p["filename"], p["title"], p.get("text", ""))
        return {"message_id": ref.message_id}

    async def report(self, row: t.Outbox, uncertain: bool) -> dict:
        if self.reports is None:
            raise PermanentFailure("reports are not set up")
        return await self.reports.post(row.payload, self.chat, row.idempotency_key, uncertain)
