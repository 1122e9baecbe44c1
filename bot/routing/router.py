"""The route matcher: which team gets a mention, and why.

Built once from the workspace routes. Per mention it makes one Hyperscan
pass (bot.routing.scanner) over the folded text for the routes' trigger
terms: the keywords, phrases, hashtags, handles and regexes such that a
route cannot match unless one of them is in the text (bot.routing.compiler
explains how they are chosen). Only routes that could match are then
evaluated: those with a trigger hit, plus those that can match without any
text hit at all (pure attribute routes such as `{min_followers: 100000}`, or
`any` mixing text and attributes). Most mentions have no such route and
cost that one pass; the others get a second pass for the remaining terms
(other words of an `all`, terms under `not`) before their candidates are
tried in config order. The first match wins.

`RouteMatch.matched` lists the route's own terms found in the mention (outside
any `not`), as written in the config ("#tag", "@handle", a regex's pattern),
in text order, each once; an author-handle match comes first.

Handles: `{handle: acme}` matches the token "@acme" in the text (not
"@acme_support", "@acme.bsky.social" or "me@acme.com"), and also any post
whose author handle is "acme" (case-insensitive, a leading "@" ignored). So
it matches posts by @acme as well as posts to @acme; list longer forms such as
"acme.bsky.social" or "acme@mastodon.social" as handles of their own.

Not thread-safe (each scan database has one scratch space): one Router per thread.
"""
from __future__ import annotations

import re

from bot.config.workspace import Route
from bot.intake.enrich import Facts
from bot.routing import regexes as rx
from bot.routing.compiler import CompiledRoute, RouteCompiler, TermTable
from bot.routing.scanner import TextScanner, edge_of
from bot.routing.untriggered import UntriggeredRoutes
from bot.types import Mention, RouteMatch


class Router:
    def __init__(self, routes: list[Route]) -> None:
        table = TermTable()
        compiler = RouteCompiler(table)
        self._routes: list[CompiledRoute] = [compiler.compile(i, r) for i, r in enumerate(routes)]
        self.warnings: list[str] = list(compiler.warnings)

        triggers = frozenset().union(*(r.triggers for r in self._routes if r.triggers))
        self._first, self._rest = self._scanners(table, triggers)
        self._fold_safe = self._first.fold_safe and (self._rest is None or self._rest.fold_safe)
        self._regex_ids = frozenset(table.regexes)
        self._python = {pid: re.compile(p, re.IGNORECASE) for pid, p in table.regexes.items()}
        for scanner in filter(None, (self._first, self._rest)):
            for pid, reason in scanner.python_only.items():
                users = ", ".join(repr(name) for name in table.regex_routes[pid])
                self.warnings.append(
                    f"route {users}: regex {table.regexes[pid]!r} runs with Python re, "
                    f"slower than Hyperscan ({reason})"
                )
        # Author handles as they may arrive, with or without "@", folded.
        self._author_handles = {**table.author_handles, **{"@" + h: tid for h, tid in table.author_handles.items()}}

        term_routes: list[list[int]] = [[] for _ in range(table.size)]
        for r in self._routes:
            for tid in r.triggers or ():
                term_routes[tid].append(r.index)
            r.needs_rest = self._rest is not None and not r.terms <= triggers
        # Lists by id rather than dicts: fewer cache misses per hit.
        self._term_routes = [tuple(indexes) or None for indexes in term_routes]
        # Results made in advance for a mention with one hit: most routed ones.
        # Looking up routes and building a result there costs several cache
        # misses, and the routed few cost as much as all the others together.
        self._single_hit = [self._sure_result(tid, indexes) for tid, indexes in enumerate(term_routes)]
        self._untriggered = UntriggeredRoutes(self._routes)

    def _sure_result(self, tid: int, indexes: list[int]) -> RouteMatch | None:
        """The result when `tid` is the only hit and no untriggered route is
        open: its first route, if that route is sure to match."""
        if not indexes or not self._routes[indexes[0]].sure:
            return None
        compiled = self._routes[indexes[0]]
        shown = next(shown for term, shown in compiled.positive if term == tid)
        return self._new_result(compiled, (shown,))

    @staticmethod
    def _scanners(table: TermTable, triggers: frozenset[int]) -> tuple[TextScanner, TextScanner | None]:
        """The scanner of trigger terms, run on every mention, and the one of
        the other terms (None if there are none)."""
        edges: list[int] = [0] * table.size
        for tid, term in table.entries.items():
            edges[tid] = edge_of(term)
        first = TextScanner(
            {tid: term for tid, term in table.entries.items() if tid in triggers},
            {pid: p for pid, p in table.regexes.items() if pid in triggers},
            edges,
        )
        rest_terms = {tid: term for tid, term in table.entries.items() if tid not in triggers}
        rest_regexes = {pid: p for pid, p in table.regexes.items() if pid not in triggers}
        rest = TextScanner(rest_terms, rest_regexes, edges) if rest_terms or rest_regexes else None
        return first, rest

    def __len__(self) -> int:
        return len(self._routes)

    def route(self, mention: Mention, text: str, facts: Facts) -> RouteMatch | None:
        """The first route, in config order, that matches. `text` is normalized.
        `facts` is read only when a candidate route tests an attribute."""
        # _prepare() inlined: this runs for every mention.
        if text.isascii():
            lowered = text.lower()  # what terms.fold() gives for ASCII
            data = lowered.encode()
            regexes_on_data = self._fold_safe or lowered == text
        else:
            data, regexes_on_data = self._prepare(text)
        hits: dict[int, int] = {}
        self._first.scan(text, data, regexes_on_data, hits)
        author = mention.author
        if self._author_handles:
            tid = self._author_handles.get(author.handle.casefold())
            if tid is not None and tid not in hits:
                hits[tid] = -1  # the author comes before the text
        if not hits:
            if author.followers < self._untriggered.lowest:
                return None  # the common case: nothing to evaluate
            candidates: tuple[int, ...] | list[int] = self._untriggered.for_mention(mention)
        else:
            if len(hits) == 1 and author.followers < self._untriggered.lowest:
                (tid,) = hits
                result = self._single_hit[tid]
                if result is not None:
                    return result
            candidates = self._candidates(mention, hits)
        rest = self._rest
        routes = self._routes
        for index in candidates:
            compiled = routes[index]
            if compiled.sure:  # a candidate through one of its triggers: no test needed
                return self._result(compiled, hits, text)
            if rest is not None and compiled.needs_rest:
                rest.scan(text, data, regexes_on_data, hits)
                rest = None
            if compiled.test(hits, facts):
                return self._result(compiled, hits, text)
        return None

    def route_all(self, mention: Mention, text: str, facts: Facts) -> list[RouteMatch]:
        """Every matching route, in config order (for previews and `triage`)."""
        hits = self.scan(mention, text)
        return [
            self._result(self._routes[i], hits, text)
            for i in self._candidates(mention, hits)
            if self._routes[i].test(hits, facts)
        ]

    def scan(self, mention: Mention, text: str) -> dict[int, int]:
        """Every term and regex id found in the mention, each with where it first
        occurs: a byte offset in the folded text, -1 for the author's handle,
        -1 - a byte end offset for a regex Hyperscan found."""
        data, regexes_on_data = self._prepare(text)
        hits: dict[int, int] = {}
        self._first.scan(text, data, regexes_on_data, hits)
        tid = self._author_handles.get(mention.author.handle.casefold())
        if tid is not None and tid not in hits:
            hits[tid] = -1
        if self._rest is not None:
            self._rest.scan(text, data, regexes_on_data, hits)
        return hits

    def _prepare(self, text: str) -> tuple[bytes, bool]:
        """(the folded text in UTF-8, whether regexes may read it instead of `text`)."""
        folded = text.casefold()  # terms.fold(), without the call
        if folded.isascii():
            return folded.encode(), (self._fold_safe and text.isascii()) or folded == text
        # Lone surrogates cannot be encoded (normalize() removes them); "?" keeps the offsets.
        return folded.encode("utf-8", "replace"), folded == text

    def _candidates(self, mention: Mention, hits: dict[int, int]) -> tuple[int, ...] | list[int]:
        """Indexes of the routes worth evaluating, ascending (config order)."""
        untriggered = self._untriggered
        if mention.author.followers < untriggered.lowest:
            open_routes: tuple[int, ...] = ()
        else:
            open_routes = untriggered.for_mention(mention)
        found: tuple[int, ...] | None = None  # the routes of the first trigger hit, ascending
        merged: set[int] | None = None  # once a second hit brings more
        term_routes = self._term_routes
        for tid in hits:
            routes_for = term_routes[tid]
            if routes_for:
                if found is None:
                    found = routes_for
                else:
                    if merged is None:
                        merged = set(found)
                    merged.update(routes_for)
        if found is None:
            return open_routes
        if merged is None:
            if not open_routes:
                return found
            merged = set(found)
        merged.update(open_routes)
        return sorted(merged)

    def _result(self, compiled: CompiledRoute, hits: dict[int, int], text: str) -> RouteMatch:
        found: list[tuple[int, int, int, str]] = []
        for order, (tid, shown) in enumerate(compiled.positive):
            hit = hits.get(tid)
            if hit is not None:
                found.append((hit, order, tid, shown))
        if len(found) == 1:
            matched: tuple[str, ...] = (found[0][3],)
        else:
            matched = self._in_text_order(found, text)
        return self._new_result(compiled, matched)

    @staticmethod
    def _new_result(compiled: CompiledRoute, matched: tuple[str, ...]) -> RouteMatch:
        route = compiled.route
        return RouteMatch(
            route=route.name, team=route.team, priority=route.priority,
            labels=tuple(route.labels), matched=matched,
        )

    def _in_text_order(self, found: list[tuple[int, int, int, str]], text: str) -> tuple[str, ...]:
        """The terms found, as written, by where they first occur, each once."""
        ordered: list[tuple[int, int, str]] = []
        folded: bytes | None = None
        for hit, order, tid, shown in found:
            if tid in self._regex_ids:
                hit = rx.position(self._python[tid], text, hit)
            elif hit > 0 and not text.isascii():
                # A byte offset in the folded text: count characters instead, as for regexes.
                if folded is None:
                    folded = text.casefold().encode("utf-8", "replace")
                hit = len(folded[:hit].decode("utf-8", "replace"))
            ordered.append((hit, order, shown))
        ordered.sort()
        matched: list[str] = []
        seen: set[str] = set()
        for _, _, shown in ordered:
            key = shown.casefold()
            if key not in seen:
                seen.add(key)
                matched.append(shown)
        return tuple(matched)
