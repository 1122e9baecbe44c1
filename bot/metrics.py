"""Every metric Rejoinder reports, defined once, and the calls that record
them. No metrics library is imported here: the app installs a sink (the
Prometheus one in integrations/ops/prometheus.py) and until then recording
costs nothing. Values that live in the database (outbox depth and age, the
chat inbox) are read when scraped, see bot/app/observe.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # counter | gauge | histogram
    help: str
    labels: tuple[str, ...] = ()


MENTIONS_IN = Metric("rejoinder_mentions_in_total", "counter", "Mentions the pipeline received.", ("network",))
MENTIONS_KEPT = Metric("rejoinder_mentions_kept_total", "counter",
                       "Mentions that opened or joined a case.", ("network",))
STREAM_LAG = Metric("rejoinder_stream_lag", "gauge", "Bus entries not yet handled by the pipeline.", ("topic",))
OUTBOX_DEPTH = Metric("rejoinder_outbox_depth", "gauge", "Outbox rows waiting (pending or sending).", ("kind",))
OUTBOX_AGE = Metric("rejoinder_outbox_oldest_age_seconds", "gauge",
                    "Age of the oldest waiting outbox row.", ("kind",))
CHAT_INBOX = Metric("rejoinder_chat_inbox_waiting", "gauge", "Chat input recorded and not yet handled.")
PUBLISH_RESULTS = Metric("rejoinder_publish_results_total", "counter",
                         "Public reply attempts by outcome (sent, failed, error).", ("result",))
RATE_LIMIT_WAITS = Metric("rejoinder_rate_limit_wait_seconds", "histogram",
                          "Waits a platform's rate limit asked for.", ("platform",))
LLM_LATENCY = Metric("rejoinder_llm_latency_seconds", "histogram",
                     "Time to a draft from the language model.", ("drafter", "outcome"))
LLM_TOKENS = Metric("rejoinder_llm_tokens_total", "counter", "Tokens used by drafts.", ("model", "direction"))
LLM_COST = Metric("rejoinder_llm_cost_usd_total", "counter",
                  "Estimated cost of drafts, from LLM_PRICE_INPUT/OUTPUT_PER_MTOK.", ("model",))
GUARDRAIL_BLOCKS = Metric("rejoinder_guardrail_blocks_total", "counter",
                          "Draft checks that blocked a reply, by rule.", ("rule",))

ALL = (MENTIONS_IN, MENTIONS_KEPT, STREAM_LAG, OUTBOX_DEPTH, OUTBOX_AGE, CHAT_INBOX, PUBLISH_RESULTS,
       RATE_LIMIT_WAITS, LLM_LATENCY, LLM_TOKENS, LLM_COST, GUARDRAIL_BLOCKS)


class Sink(Protocol):
    def inc(self, metric: Metric, value: float, labels: dict[str, str]) -> None: ...

    def set(self, metric: Metric, value: float, labels: dict[str, str]) -> None: ...

    def observe(self, metric: Metric, value: float, labels: dict[str, str]) -> None: ...

    def clear(self, metric: Metric) -> None:
        """Forget every label set of a gauge (a kind with no rows left reads as absent, not stale)."""
        ...


class _Nowhere:
    def inc(self, metric, value, labels) -> None: ...

    def set(self, metric, value, labels) -> None: ...

    def observe(self, metric, value, labels) -> None: ...

    def clear(self, metric) -> None: ...


_sink: Sink = _Nowhere()


def install(sink: Sink | None) -> None:
    """Record into `sink` from now on (None: nowhere)."""
    global _sink
    _sink = sink if sink is not None else _Nowhere()


def inc(metric: Metric, value: float = 1.0, **labels: str) -> None:
    _sink.inc(metric, value, labels)


def set_gauge(metric: Metric, value: float, **labels: str) -> None:
    _sink.set(metric, value, labels)


def observe(metric: Metric, value: float, **labels: str) -> None:
    _sink.observe(metric, value, labels)


def clear(metric: Metric) -> None:
    _sink.clear(metric)
