"""The obvious way to route: every rule as Python `re` patterns, tried one
route after another for each mention. The baseline the Router is measured
against, and a second opinion on its answers."""
from __future__ import annotations

import re

from bot.config import match as m
from bot.config.workspace import Route
from bot.intake.enrich import Facts
from bot.types import Mention


def _word(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


class NaiveRouter:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = [(route, self._compile(route.match)) for route in routes]

    def _compile(self, node):
        if isinstance(node, m.AllNode):
            kids = [self._compile(k) for k in node.all]
            return lambda mention, text, facts: all(k(mention, text, facts) for k in kids)
        if isinstance(node, m.AnyNode):
            kids = [self._compile(k) for k in node.any]
            return lambda mention, text, facts: any(k(mention, text, facts) for k in kids)
        if isinstance(node, m.NotNode):
            kid = self._compile(node.not_)
            return lambda mention, text, facts: not kid(mention, text, facts)
        if isinstance(node, (m.KeywordAtom, m.PhraseAtom)):
            pats = [_word(v) for v in (node.keyword if isinstance(node, m.KeywordAtom) else node.phrase)]
            return lambda mention, text, facts: any(p.search(text) for p in pats)
        if isinstance(node, m.HashtagAtom):
            pats = [_word("#" + v) for v in node.hashtag]
            return lambda mention, text, facts: any(p.search(text) for p in pats)
        if isinstance(node, m.HandleAtom):
            pats = [re.compile(rf"(?<!\w)@{re.escape(v)}(?!\w)(?![.@-]\w)", re.IGNORECASE) for v in node.handle]
            names = {v.casefold() for v in node.handle}
            return lambda mention, text, facts: (
                mention.author.handle.lstrip("@").casefold() in names or any(p.search(text) for p in pats)
            )
        if isinstance(node, m.RegexAtom):
            pat = re.compile(node.regex, re.IGNORECASE)
            return lambda mention, text, facts: pat.search(text) is not None
        if isinstance(node, m.FollowersAtom):
            return lambda mention, text, facts: mention.author.followers >= node.min_followers
        if isinstance(node, m.NetworkAtom):
            return lambda mention, text, facts: mention.network in node.network
        if isinstance(node, m.SentimentAtom):
            lo, hi = node.sentiment.min, node.sentiment.max
            return lambda mention, text, facts: lo <= facts.sentiment <= hi
        if isinstance(node, m.LanguageAtom):
            return lambda mention, text, facts: facts.language in node.language
        if isinstance(node, m.FlagAtom):
            return lambda mention, text, facts: any(facts.has_flag(f) for f in node.flag)
        raise TypeError(type(node).__name__)

    def route(self, mention: Mention, text: str, facts: Facts) -> str | None:
        for route, test in self.routes:
            if test(mention, text, facts):
                return route.name
        return None
