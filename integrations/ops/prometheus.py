"""The Prometheus sink for bot/metrics.py: one registry per process (not the
library's global one, so tests and tools can build several)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot import metrics
from bot.metrics import Metric

KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}
CONTENT_TYPE = CONTENT_TYPE_LATEST


class PrometheusSink:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._made = {m.name: KINDS[m.kind](m.name, m.help, m.labels, registry=self.registry) for m in metrics.ALL}

    def _child(self, metric: Metric, labels: dict[str, str]):
        made = self._made[metric.name]
        return made.labels(**{k: str(v) for k, v in labels.items()}) if metric.labels else made

    def inc(self, metric: Metric, value: float, labels: dict[str, str]) -> None:
        self._child(metric, labels).inc(value)

    def set(self, metric: Metric, value: float, labels: dict[str, str]) -> None:
        self._child(metric, labels).set(value)

    def observe(self, metric: Metric, value: float, labels: dict[str, str]) -> None:
        self._child(metric, labels).observe(value)

    def clear(self, metric: Metric) -> None:
        if metric.labels:
            self._made[metric.name].clear()

    def text(self) -> bytes:
        return generate_latest(self.registry)
