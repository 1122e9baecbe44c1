"""Turn each route's match expression into a small evaluator.

An evaluator is a closure `(hits, facts) -> bool`: `hits` maps the id of every
literal term or regex found in the mention to its position, `facts` is the
mention's lazy `Facts`. Inside `all`/`any`, cheap tests run before costly ones
(text before followers before flags before language before sentiment), so
VADER runs only when everything cheaper has not already decided.

Text atoms are registered in a shared `TermTable`: one id per distinct folded
term, so "refund" used by fifty routes is one pattern to scan for.

Each route also gets its trigger terms: a set of term ids such that the route
cannot match unless one of them is in the text. For `all`, one child's terms
are enough, and the child whose terms look rarest is picked (handles and
hashtags over phrases over single keywords), so a route like "@acme and any
of order/delivery/help" is looked at only when "@acme" appears, not on every
post that says "help". A route without triggers is tried on every mention.
A route made only of text atoms under `any` is `sure`: any trigger hit
means it matches, so it needs no evaluation.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import match as m
from bot.config.workspace import Route
from bot.routing import terms as t

Evaluator = Callable[[dict, object], bool]

# Relative cost of an atom's test, for ordering children of all/any
# (triage reads the sentiment score, so it comes last).
TEXT, ATTRIBUTE, FLAG, LANGUAGE, SENTIMENT, TRIAGE = 0, 1, 2, 3, 4, 5
# How often a term of each kind is expected to appear in posts, relatively.
_COMMONNESS = {t.WORD: 1.0, "phrase": 0.3, "regex": 0.5, t.HASHTAG: 0.2, t.HANDLE: 0.2}


@dataclass
class TermTable:
    literals: dict[str, int] = field(default_factory=dict)  # folded key -> id
    entries: dict[int, t.LiteralTerm] = field(default_factory=dict)
    regexes: dict[int, str] = field(default_factory=dict)  # id -> pattern
    regex_routes: dict[int, list[str]] = field(default_factory=dict)  # id -> names of routes using it
    author_handles: dict[str, int] = field(default_factory=dict)  # folded handle -> id
    _regex_ids: dict[str, int] = field(default_factory=dict)

    def literal(self, kind: str, written: str) -> int | None:
        term = t.literal_term(kind, written)
        if term is None:
            return None
        tid = self.literals.get(term.key)
        if tid is None:
            tid = self.literals[term.key] = self._next_id()
            self.entries[tid] = term
            if kind == t.HANDLE:
                self.author_handles[term.key[1:]] = tid
        return tid

    def regex(self, pattern: str, route: str) -> int:
        tid = self._regex_ids.get(pattern)
        if tid is None:
            tid = self._regex_ids[pattern] = self._next_id()
            self.regexes[tid] = pattern
        users = self.regex_routes.setdefault(tid, [])
        if route not in users:
            users.append(route)
        return tid

    def _next_id(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        """Ids run from 0 to size - 1."""
        return len(self.entries) + len(self.regexes)


@dataclass
class CompiledRoute:
    index: int
    route: Route
    test: Evaluator
    triggers: frozenset[int] | None  # None: may match without any text hit
    positive: list[tuple[int, str]]  # (term id, how to report it), outside any `not`
    terms: frozenset[int]  # every term and regex id the route tests, under `not` too
    # Necessary conditions, so a route without triggers can be skipped cheaply.
    min_followers: int = 0
    networks: frozenset[str] | None = None  # None: any network
    # Matches whenever one of its triggers is in the text (terms under `any` only).
    sure: bool = False
    needs_rest: bool = False  # tests a term that is no trigger of any route (see Router)


@dataclass
class _Compiled:
    test: Evaluator
    triggers: frozenset[int] | None
    commonness: float
    cost: int
    sure: bool = False  # true whenever one of `triggers` is in the text


class RouteCompiler:
    def __init__(self, table: TermTable) -> None:
        self.table = table
        self.warnings: list[str] = []

    def compile(self, index: int, route: Route) -> CompiledRoute:
        found: list[tuple[int, str, bool]] = []  # (term id, how to report it, under a `not`)
        node = self._node(route.match, route.name, found, negated=False)
        least, networks = gate(route.match)
        positive = [(tid, shown) for tid, shown, negated in found if not negated]
        terms = frozenset(tid for tid, _, _ in found)
        return CompiledRoute(index, route, node.test, node.triggers, positive, terms, least, networks, node.sure)

    def _node(self, node: object, route: str, found: list, negated: bool) -> _Compiled:
        if isinstance(node, m.AllNode):
            kids = sorted((self._node(k, route, found, negated) for k in node.all), key=lambda c: c.cost)
            needed = [k for k in kids if k.triggers is not None]
            rarest = min(needed, key=lambda k: k.commonness) if needed else None
            return _Compiled(
                _all([k.test for k in kids]),
                rarest.triggers if rarest else None,
                rarest.commonness if rarest else 0.0,
                kids[-1].cost,
                len(kids) == 1 and kids[0].sure,
            )
        if isinstance(node, m.AnyNode):
            kids = sorted((self._node(k, route, found, negated) for k in node.any), key=lambda c: c.cost)
            every = all(k.triggers is not None for k in kids)
            return _Compiled(
                _any([k.test for k in kids]),
                frozenset().union(*(k.triggers for k in kids)) if every else None,  # type: ignore[arg-type]
                sum(k.commonness for k in kids),
                kids[-1].cost,
                all(k.sure for k in kids),
            )
        if isinstance(node, m.NotNode):
            inner = self._node(node.not_, route, found, not negated)
            test = inner.test
            return _Compiled(lambda hits, facts: not test(hits, facts), None, 0.0, inner.cost)
        text_atom = self._text_atom(node, route, found, negated)
        return text_atom if text_atom is not None else _attribute_atom(node)

    def _text_atom(self, node: object, route: str, found: list, negated: bool) -> _Compiled | None:
        if isinstance(node, m.RegexAtom):
            tid = self.table.regex(node.regex, route)
            written = [(tid, node.regex)]
            commonness = _COMMONNESS["regex"]
        else:
            kind, values = _literal_values(node)
            if kind is None:
                return None
            written = []
            for value in values:
                tid = self.table.literal(kind, value)
                if tid is None:
                    self.warnings.append(f"route {route!r}: {kind} {value!r} is empty once invisible characters are removed; ignored")
                else:
                    written.append((tid, t.display(kind, value)))
            commonness = sum(
                _COMMONNESS["phrase" if kind == t.WORD and " " in shown else kind] for _, shown in written
            )
        found.extend((tid, shown, negated) for tid, shown in written)
        ids = frozenset(tid for tid, _ in written)
        if len(ids) == 1:
            (only,) = ids
            return _Compiled(lambda hits, facts: only in hits, ids, commonness, TEXT, True)
        return _Compiled(lambda hits, facts: not ids.isdisjoint(hits), ids, commonness, TEXT, True)


def gate(node: object) -> tuple[int, frozenset[str] | None]:
    """(followers at least, one of these networks) that any mention matching `node` meets."""
    if isinstance(node, m.FollowersAtom):
        return node.min_followers, None
    if isinstance(node, m.NetworkAtom):
        return 0, frozenset(n.strip().lower() for n in node.network)
    if isinstance(node, m.AllNode):
        least, networks = 0, None
        for kid_least, kid_networks in map(gate, node.all):
            least = max(least, kid_least)
            if kid_networks is not None:
                networks = kid_networks if networks is None else networks & kid_networks
        return least, networks
    if isinstance(node, m.AnyNode):
        gates = [gate(k) for k in node.any]
        nets = [n for _, n in gates]
        return min(g for g, _ in gates), None if None in nets else frozenset().union(*nets)  # type: ignore[arg-type]
    return 0, None


def _literal_values(node: object) -> tuple[str | None, list[str]]:
    if isinstance(node, m.KeywordAtom):
        return t.WORD, node.keyword
    if isinstance(node, m.PhraseAtom):
        return t.WORD, node.phrase
    if isinstance(node, m.HashtagAtom):
        return t.HASHTAG, node.hashtag
    if isinstance(node, m.HandleAtom):
        return t.HANDLE, node.handle
    return None, []


def _attribute_atom(node: object) -> _Compiled:
    compiled = _attribute_test(node)
    return _Compiled(compiled[0], None, 0.0, compiled[1])


def _attribute_test(node: object) -> tuple[Evaluator, int]:
    if isinstance(node, m.FollowersAtom):
        least = node.min_followers
        return (lambda hits, facts: facts.mention.author.followers >= least), ATTRIBUTE
    if isinstance(node, m.NetworkAtom):
        networks = frozenset(n.strip().lower() for n in node.network)
        return (lambda hits, facts: facts.mention.network in networks), ATTRIBUTE
    if isinstance(node, m.FlagAtom):
        names = tuple(n.strip() for n in node.flag)
        return (lambda hits, facts: any(facts.has_flag(n) for n in names)), FLAG
    if isinstance(node, m.LanguageAtom):
        # "pt-BR" in the config matches a mention in "pt": languages compare by primary subtag.
        wanted = frozenset(v.strip().replace("_", "-").split("-")[0].lower() for v in node.language)
        return (lambda hits, facts: facts.language in wanted), LANGUAGE
    if isinstance(node, m.SentimentAtom):
        low, high = node.sentiment.min, node.sentiment.max
        return (lambda hits, facts: low <= facts.sentiment <= high), SENTIMENT
    if isinstance(node, (m.NeedsResponseAtom, m.IntentAtom, m.TriageAtom)):
        return triage_test(node), TRIAGE
    raise TypeError(f"unknown match node {type(node).__name__}")


def triage_test(node: object) -> Evaluator:
    """A test of the triage verdict (`Facts.triage`), computed once per mention."""
    if isinstance(node, m.NeedsResponseAtom):
        wanted, intents, least = node.needs_response, None, 0.0
    elif isinstance(node, m.IntentAtom):
        wanted, intents, least = None, frozenset(node.intent), 0.0
    else:
        cond = node.triage
        wanted, least = cond.needs_response, cond.min_confidence
        intents = frozenset(cond.intent) if cond.intent is not None else None

    def test(hits: dict, facts) -> bool:
        verdict = facts.triage
        if wanted is not None and (verdict.needs_response != wanted or verdict.confidence < least):
            return False
        return intents is None or (verdict.intent in intents and verdict.intent_confidence >= least)

    return test


def _all(tests: list[Evaluator]) -> Evaluator:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda hits, facts: a(hits, facts) and b(hits, facts)

    def every(hits: dict, facts: object) -> bool:
        for test in tests:
            if not test(hits, facts):
                return False
        return True

    return every


def _any(tests: list[Evaluator]) -> Evaluator:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda hits, facts: a(hits, facts) or b(hits, facts)

    def some(hits: dict, facts: object) -> bool:
        for test in tests:
            if test(hits, facts):
                return True
        return False

    return some
