"""The offline drafter: picks a reply from a library by the case's labels and
flags, fills in the customer's name and order, and fits the platform limit.
Deterministic, so the same request always gets the same draft."""
from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter

from bot.drafting import DraftingFailed, first_name, needs_escalation
from bot.types import DraftRequest, DraftResult
from prompts import load_yaml

VARIANTS = ("normal", "short", "warm")
PLACEHOLDERS = frozenset({"first_name", "order_number", "tier", "org"})

_SHORTER = re.compile(r"short|brief|concise|tight|trim|fewer words", re.I)
_WARMER = re.compile(r"warm|friendl|kind|empath|softer|gentle|human", re.I)
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9#/_-]{1,24}$")
_TIER = re.compile(r"^[\w -]{1,24}$")
# Last line of defence: a filled reply that looks like it carries contact
# details or money is never offered (e.g. an odd "order number" full of digits).
_LEAKS = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+"  # email
    r"|\+?\d[\d ().-]{6,}\d"  # phone-like run of digits
    r"|[$€£¥]\s?\d|\d\s?(?:usd|eur|gbp|dollars|euros|pounds)\b",  # amounts
    re.I,
)


@dataclass(frozen=True)
class Entry:
    name: str
    labels: frozenset[str]
    flags: frozenset[str]
    escalate: bool
    why: str
    variants: dict[str, tuple[str, ...]]  # variant name -> alternatives


def _as_entry(raw: object, where: str) -> Entry:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ValueError(f"{where}: each entry needs a `name` (text)")
    where = f"{where} ({raw['name']!r})"
    unknown = set(raw) - {"name", "labels", "flags", "escalate", "why", "variants"}
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    variants = raw.get("variants")
    if not isinstance(variants, dict) or "normal" not in variants:
        raise ValueError(f"{where}: `variants` must be a mapping with at least a `normal` text")
    parsed: dict[str, tuple[str, ...]] = {}
    for key, value in variants.items():
        if key not in VARIANTS:
            raise ValueError(f"{where}: variant {key!r} is not one of {', '.join(VARIANTS)}")
        alternatives = tuple(value) if isinstance(value, list) else (value,)
        for text in alternatives:
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{where}: variant {key!r} must be non-empty text")
            fields = {f for _, f, _, _ in Formatter().parse(text) if f is not None}
            if fields - PLACEHOLDERS:
                raise ValueError(
                    f"{where}: variant {key!r} uses unknown placeholder(s) "
                    f"{', '.join(sorted(fields - PLACEHOLDERS))}; known: {', '.join(sorted(PLACEHOLDERS))}"
                )
        parsed[key] = alternatives
    return Entry(
        name=raw["name"],
        labels=frozenset(str(x).lower() for x in raw.get("labels") or ()),
        flags=frozenset(str(x) for x in raw.get("flags") or ()),
        escalate=bool(raw.get("escalate", False)),
        why=str(raw.get("why") or "it matched"),
        variants=parsed,
    )


def parse_library(library: dict, source: str = "reply library") -> list[Entry]:
    entries = library.get("entries") if isinstance(library, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: expected a mapping with a non-empty `entries` list")
    parsed = [_as_entry(raw, f"{source}, entry {i + 1}") for i, raw in enumerate(entries)]
    if not any(not e.labels and not e.flags for e in parsed):
        raise ValueError(f"{source}: needs a catch-all entry without labels or flags (e.g. `default`)")
    return parsed


class TemplateDrafter:
    name = "template"

    def __init__(self, library: dict | None = None, organisation: str = "Acme"):
        if library is None:
            self._entries = parse_library(load_yaml("replies.yaml"), "prompts/replies.yaml")
        else:
            self._entries = parse_library(library)
        self.organisation = organisation

    async def draft(self, request: DraftRequest) -> DraftResult:
        return self.draft_now(request)

    def draft_now(self, request: DraftRequest) -> DraftResult:
        entry, reason = self._pick(request)
        values = self._values(request)
        filled = {
            key: text for key in VARIANTS if key in entry.variants
            if (text := self._fill(entry.variants[key], values)) is not None
        }
        if not filled:
            raise DraftingFailed(f"reply library entry {entry.name!r}: no variant can be filled for this case")
        variant, text, how = self._choose(filled, request)
        return DraftResult(
            reply=text,
            rationale=f"Library entry {entry.name!r} ({variant} variant): {reason}; {entry.why}. {how}".strip(),
            confidence=0.5,
            needs_escalation=entry.escalate or needs_escalation(request),
            source="template",
        )

    def _pick(self, request: DraftRequest) -> tuple[Entry, str]:
        labels = {label.lower() for label in request.labels}
        for entry in self._entries:
            if hit := sorted(entry.labels & labels):
                return entry, f"the case is labelled {hit[0]!r}"
            if hit := sorted(entry.flags & request.flags):
                return entry, f"the case is flagged {hit[0]!r}"
        fallback = next(e for e in self._entries if not e.labels and not e.flags)
        return fallback, "no entry matched the labels or flags"

    def _values(self, request: DraftRequest) -> dict[str, str | None]:
        customer = request.customer
        order = tier = None
        if customer is not None:
            if customer.recent_orders:
                newest = max(customer.recent_orders, key=lambda o: o.placed_at).number.strip()
                order = newest if _ORDER_NUMBER.match(newest) else None
            tier = customer.tier.strip() if _TIER.match(customer.tier.strip()) else None
        return {
            "first_name": first_name(request) or "there",
            "order_number": order,
            "tier": tier,
            "org": self.organisation,
        }

    @staticmethod
    def _fill(alternatives: tuple[str, ...], values: dict[str, str | None]) -> str | None:
        for text in alternatives:
            fields = {f for _, f, _, _ in Formatter().parse(text) if f is not None}
            if any(values[f] is None for f in fields):
                continue
            result = text.format_map(values)
            if not _LEAKS.search(result):
                return result
        return None

    def _choose(self, filled: dict[str, str], request: DraftRequest) -> tuple[str, str, str]:
        """(variant, text, explanation) honouring the redraft instruction and the limit."""
        limit = request.length_limit
        order = [v for v in VARIANTS if v in filled]
        instruction = (request.instruction or "").strip()
        previous = (request.previous_draft or "").strip()
        shorter, warmer = bool(_SHORTER.search(instruction)), bool(_WARMER.search(instruction))
        if shorter and warmer:
            # Both: the warm text if it is shorter than the last draft, else the short one.
            wanted = [v for v in ("warm", "short") if v in filled]
            if previous:
                wanted = [v for v in wanted if len(filled[v]) < len(previous)] or wanted[-1:]
            want, how = (wanted[0] if wanted else "short"), f"Asked for {instruction!r}."
        elif shorter:
            want, how = "short", f"Asked for {instruction!r}."
        elif warmer:
            want, how = "warm", f"Asked for {instruction!r}."
        elif instruction or previous:
            # An instruction we cannot act on: move to the next variant so the
            # person at least sees something different.
            current = next((v for v in order if filled[v] == previous), order[0])
            want = order[(order.index(current) + 1) % len(order)]
            how = f"Instruction {instruction!r} not understood; showing the next variant." if instruction else "Showing the next variant."
        else:
            want, how = "normal", ""
        if want in filled and len(filled[want]) <= limit:
            return want, filled[want], how
        fitting = [v for v in order if len(filled[v]) <= limit]
        if fitting:
            best = max(fitting, key=lambda v: len(filled[v]))
            return best, filled[best], f"{how} Chose the longest variant within {limit} characters.".strip()
        shortest = min(order, key=lambda v: len(filled[v]))
        return shortest, _trim(filled[shortest], limit), f"{how} Trimmed to fit {limit} characters.".strip()


def _trim(text: str, limit: int) -> str:
    """Whole sentences that fit, else whole words and an ellipsis."""
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0].rstrip(",;:")
    return (cut + "…")[:limit] if limit > 0 else ""
