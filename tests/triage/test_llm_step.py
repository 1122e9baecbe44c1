"""The optional LLM triage step through the real langchain-openai and openai
clients against the local emulator: structured output, a cache in the
database, and a daily budget that holds across restarts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app.root import build_llm_triage
from bot.app.settings import Settings
from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.store import tables as t
from bot.store.db import Database
from bot.triage.llm_step import LlmTriage
from integrations.llm.langchain_triage import LangChainTriage
from tests.core.harness import T0, make_world, mention
from tests.emulators.openai_server import clear_proxy_env, openai_emulator, status, structured  # noqa: F401


@pytest.fixture(autouse=True)
def _direct(monkeypatch):
    clear_proxy_env(monkeypatch)


def answer(needs: bool, intent: str, confidence: float = 0.9):
    return structured(needs_response=needs, intent=intent, confidence=confidence)


async def _step(url, emu, budget=2, clock=None):
    db = await Database(url).start()
    judge = LangChainTriage("gpt-4o-mini", api_key="sk-test", base_url=emu.base_url, timeout=5.0, max_retries=0)
    return LlmTriage(db, clock or ManualClock(T0), judge, budget), db


async def test_structured_verdict_cached_and_held_to_the_daily_budget(sqlite_url, openai_emulator):
    clock = ManualClock(T0)
    step, db = await _step(sqlite_url, openai_emulator, budget=2, clock=clock)
    try:
        openai_emulator.push(answer(True, "complaint", 0.8), answer(False, "praise", 0.95), answer(True, "question"))
        first = await step.verdict("@acme my order never came")
        assert (first.needs_response, first.intent, first.confidence, first.source) == (True, "complaint", 0.8,
                                                                                          "llm:gpt-4o-mini")
        body = openai_emulator.requests[0]
        assert body["tools"][0]["function"]["name"] == "triage_post"
        assert "<<<MENTION\n@acme my order never came\nMENTION>>>" in openai_emulator.message_text("user")
        # The same post again: from the cache, no call.
        again = await step.verdict("@acme my order never came")
        assert again.source == "cache:gpt-4o-mini" and again.intent == "complaint" and len(openai_emulator.requests) == 1
        assert (await step.verdict("@acme love the new bike")).intent == "praise"
        # Two calls today: the budget is spent, whatever is asked.
        assert await step.verdict("@acme is the shop open?") is None
        assert len(openai_emulator.requests) == 2
        # A restart does not reset it: the spend is in the database.
        restarted, db2 = await _step(sqlite_url, openai_emulator, budget=2, clock=clock)
        assert await restarted.verdict("@acme is the shop open?") is None
        await db2.close()
        # Tomorrow there is budget again.
        clock.advance(timedelta(days=1))
        assert (await step.verdict("@acme is the shop open?")).intent == "question"
    finally:
        await db.close()


async def test_a_failing_model_leaves_local_triage_alone_and_counts_the_call(sqlite_url, openai_emulator):
    step, db = await _step(sqlite_url, openai_emulator, budget=1)
    try:
        openai_emulator.push(status(500))
        assert await step.verdict("@acme help") is None
        async with db.transaction() as s:
            spend = (await s.execute(select(t.TriageSpend))).scalars().all()
        assert [r.calls for r in spend] == [1]
    finally:
        await db.close()


async def test_the_app_runs_it_for_opened_cases_only(sqlite_url, tmp_path, openai_emulator):
    w = await make_world(sqlite_url, tmp_path)
    try:
        settings = Settings(openai_api_key="sk-test", openai_base_url=openai_emulator.base_url)
        assert build_llm_triage(settings, w.core.ws, w.db, w.clock) is None  # no budget configured
        ws = parse_workspace("teams: [{name: care, channel: c}]\ntriage: {llm_daily_budget: 5}\n")
        assert build_llm_triage(Settings(openai_api_key=""), ws, w.db, w.clock) is None  # no LLM configured
        step = build_llm_triage(settings, ws, w.db, w.clock)
        openai_emulator.push(answer(True, "complaint"))
        kept, noise = mention(1, "@acme my order is broken, help"), mention(2, "nice weather today")
        results = await w.core.pipeline.ingest([kept, noise])
        assert [r.outcome for r in results] == ["opened", "dropped"]
        await step.after_ingest(results, [kept, noise])
        assert len(openai_emulator.requests) == 1  # the dropped post cost nothing
        async with w.db.sessions() as s:
            events = (await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "llm_triage"))).scalars().all()
        assert [(e.case_id, e.actor, e.detail["intent"]) for e in events] == [(results[0].case_id, "llm:gpt-4o-mini",
                                                                                "complaint")]
    finally:
        await w.db.close()


def test_config_check_wants_a_model_for_a_budget():
    from bot.config.checks import check_environment

    ws = parse_workspace("teams: [{name: care, channel: c}]\ntriage:\n  llm_daily_budget: 50\n", "rejoinder.yaml")
    issues = check_environment(ws, Settings(openai_api_key=""))
    assert any("rejoinder.yaml:3:" in str(i) and "OPENAI_API_KEY" in str(i) for i in issues), issues
    assert check_environment(ws, Settings(openai_api_key="sk-x")) == []
