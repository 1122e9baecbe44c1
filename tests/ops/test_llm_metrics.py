"""The drafter's tokens and estimated cost reach the metrics, through the
real langchain-openai client against the local OpenAI emulator."""
from __future__ import annotations

import pytest

from bot import metrics
from integrations.llm import LangChainDrafter
from integrations.ops.prometheus import PrometheusSink
from tests.drafting.factories import make_request
from tests.emulators.openai_server import clear_proxy_env, ok, openai_emulator  # noqa: F401  (fixture)


async def test_tokens_and_cost_of_a_draft_are_counted(openai_emulator, monkeypatch):  # noqa: F811
    clear_proxy_env(monkeypatch)
    sink = PrometheusSink()
    metrics.install(sink)
    try:
        openai_emulator.push(ok())
        drafter = LangChainDrafter("gpt-4o-mini", api_key="sk-test", base_url=openai_emulator.base_url,
                                   timeout=5.0, max_retries=0, prices=(0.15, 0.60))
        await drafter.draft(make_request())
        registry = sink.registry
        tokens_in = registry.get_sample_value("rejoinder_llm_tokens_total", {"model": "gpt-4o-mini", "direction": "input"})
        tokens_out = registry.get_sample_value("rejoinder_llm_tokens_total", {"model": "gpt-4o-mini", "direction": "output"})
        assert tokens_in > 0 and tokens_out > 0
        cost = registry.get_sample_value("rejoinder_llm_cost_usd_total", {"model": "gpt-4o-mini"})
        assert cost == pytest.approx((tokens_in * 0.15 + tokens_out * 0.60) / 1_000_000)
    finally:
        metrics.install(None)


async def test_draft_latency_is_observed_by_outcome(openai_emulator, monkeypatch):  # noqa: F811
    from bot.app.observe import _Timed
    from bot.drafting import DraftingFailed
    from tests.emulators.openai_server import status

    clear_proxy_env(monkeypatch)
    sink = PrometheusSink()
    metrics.install(sink)
    try:
        timed = _Timed(LangChainDrafter("gpt-4o-mini", api_key="sk-test", base_url=openai_emulator.base_url,
                                        timeout=5.0, max_retries=0))
        openai_emulator.push(ok())
        await timed.draft(make_request())
        openai_emulator.push(status(500))
        with pytest.raises(DraftingFailed):
            await timed.draft(make_request())
        for outcome in ("ok", "error"):
            labels = {"drafter": "llm:gpt-4o-mini", "outcome": outcome}
            assert sink.registry.get_sample_value("rejoinder_llm_latency_seconds_count", labels) == 1
        assert timed.name == "llm:gpt-4o-mini"  # the rest passes through
    finally:
        metrics.install(None)
