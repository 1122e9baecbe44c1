"""The optional LLM triage step, for mentions a route kept.

When an LLM is configured and `triage.llm_daily_budget` is above zero,
each newly opened case's post is also judged by the model (structured
output: needs_response, intent, confidence). Verdicts are cached in the
database by model and text, so the same post never costs a second call,
and calls are counted per UTC day: once the budget is spent, the step
stands aside until the next day and the local model's verdict is all
there is. A failed call is counted too: the budget bounds what is spent,
not what succeeded.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.store import tables as t
from bot.store.db import Database
from bot.triage.model import INTENTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LlmVerdict:
    needs_response: bool
    intent: str
    confidence: float
    source: str  # "llm:<model>", or "cache:<model>" when no call was made


class LlmJudge(Protocol):
    name: str  # e.g. "llm:gpt-4o-mini"

    async def judge(self, text: str) -> tuple[bool, str, float]: ...


class LlmTriage:
    def __init__(self, db: Database, clock: Clock, judge: LlmJudge, daily_budget: int) -> None:
        self.db, self.clock, self.llm, self.daily_budget = db, clock, judge, daily_budget

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.llm.name}\n{text}".encode("utf-8")).hexdigest()

    async def verdict(self, text: str) -> LlmVerdict | None:
        """The model's verdict on `text`: cached, or asked within today's budget; None otherwise."""
        key = self._key(text)
        async with self.db.transaction() as s:
            cached = await s.get(t.TriageVerdict, key)
            if cached is not None:
                return LlmVerdict(cached.needs_response, cached.intent, cached.confidence, "cache:" + cached.model)
        if not await self._spend():
            return None
        try:
            needs, intent, confidence = await self.llm.judge(text)
        except Exception as exc:  # noqa: BLE001 - the step is optional; local triage stands
            log.warning("LLM triage with %s failed: %s", self.llm.name, exc)
            return None
        if intent not in INTENTS:
            intent = "complaint" if needs else "chatter"
        confidence = min(1.0, max(0.0, float(confidence)))
        model = self.llm.name.removeprefix("llm:")
        async with self.db.transaction() as s:
            if await s.get(t.TriageVerdict, key) is None:
                s.add(t.TriageVerdict(key=key, model=model, needs_response=bool(needs), intent=intent,
                                      confidence=confidence, at=self.clock.now()))
        return LlmVerdict(bool(needs), intent, confidence, self.llm.name)

    async def _spend(self) -> bool:
        """Count one call against today's budget; False when it is spent."""
        if self.daily_budget <= 0:
            return False
        day = self.clock.now().date().isoformat()
        for _ in range(2):  # a first call of the day may race another process's
            try:
                async with self.db.transaction() as s:
                    done = await s.execute(update(t.TriageSpend)
                                           .where(t.TriageSpend.day == day, t.TriageSpend.calls < self.daily_budget)
                                           .values(calls=t.TriageSpend.calls + 1))
                    if done.rowcount == 1:
                        return True
                    if await s.get(t.TriageSpend, day) is not None:
                        return False
                    s.add(t.TriageSpend(day=day, calls=1))
                return True
            except IntegrityError:
                continue
        return False

    async def after_ingest(self, results: list, mentions: list) -> None:
        """Judge the post of every case just opened and note the verdict in the case's timeline."""
        texts = {f"{m.network}:{m.external_id}": m.text for m in mentions}
        for result in results:
            if result.outcome != "opened" or result.key not in texts:
                continue
            found = await self.verdict(texts[result.key])
            if found is None:
                continue
            async with self.db.transaction() as s:
                s.add(t.CaseEvent(case_id=result.case_id, at=self.clock.now(), actor=found.source, kind="llm_triage",
                                  detail={"needs_response": found.needs_response, "intent": found.intent,
                                          "confidence": round(found.confidence, 3)}))
