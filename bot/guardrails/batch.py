"""Many replies in one process: a JSONL file with one object a line,
`{"text": "...", "network": "x"}` (network optional). Bad lines are reported
by line number and the run goes on."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.guardrails.checker import Guardrails, findings_to_json
from bot.types import NETWORK_PATTERN

_NETWORK = re.compile(NETWORK_PATTERN)


@dataclass(frozen=True)
class Outcome:
    line: int
    report: dict | None  # {"line", "network", "blocked", "findings"} plus the line's "id" if it had one
    error: str | None = None


def parse_line(raw: str, default_network: str) -> tuple[str, str, object] | str:
    """(text, network, id) from one JSONL line, or why the line is unusable."""
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(item, dict):
        return "not a JSON object"
    text, network = item.get("text"), item.get("network", default_network)
    if not isinstance(text, str):
        return "no \"text\" string"
    if not isinstance(network, str) or not _NETWORK.fullmatch(network):
        return f"\"network\": {network!r} is not a network name"
    return text, network, item.get("id")


def check_lines(guardrails: Guardrails, lines: Iterable[str], default_network: str = "x") -> Iterator[Outcome]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = parse_line(raw, default_network)
        if isinstance(parsed, str):
            yield Outcome(number, None, parsed)
            continue
        text, network, ident = parsed
        findings = guardrails.check(text, network)
        report = {"line": number, "network": network, "blocked": any(f.severity == "block" for f in findings),
                  "findings": findings_to_json(findings)}
        if ident is not None:
            report["id"] = ident
        yield Outcome(number, report)
