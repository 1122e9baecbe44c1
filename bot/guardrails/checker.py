"""`Guardrails`: every rule an outgoing draft must pass, compiled once per
workspace. `check` returns findings blocks first, then warnings, each group in
RULE_ORDER; a person must be able to act on every `reason` without docs.

The `promise` rule warns even on negated wording ("we can't offer a refund"):
telling negation from promise is unreliable, and a needless approver look is
cheaper than an unreviewed promise. Its findings always carry rule="promise"
so the core can treat the case as high-risk.

Speed: about 80 µs for a 250-character ASCII reply and 125 µs with emoji and
accents (Python 3.11 on a shared 2-core machine, best of 9 × 3000 runs).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from bot.config.workspace import Guidelines
from bot.guardrails import echo, leak, length, links, pii, terms
from bot.guardrails.profanity import ProfanityMatcher
from bot.types import CustomerView, Finding

RULE_ORDER = (
    "empty", "leak", "length", "pii", "confidential", "banned_terms", "profanity",
    "links", "promise", "handles", "mention_echo", "sign_off",
)
_RANK = {rule: index for index, rule in enumerate(RULE_ORDER)}
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")
_PII_WORDS = {
    "customer_email": ("the customer's own email address", "the customer's own email addresses"),
    "customer_phone": ("the customer's own phone number", "the customer's own phone numbers"),
    "email": ("an email address", "email addresses"),
    "phone": ("a phone number", "phone numbers"),
    "card": ("a payment card number", "payment card numbers"),
    "address": ("a street address", "street addresses"),
}
_PII_ADVICE = {
    "card": "never post card details; ask the customer to use a private channel.",
    "address": "never post a home or delivery address in public.",
}
_CONTACT_ADVICE = "never post a customer's contact details in public."
_profanity: ProfanityMatcher | None = None
# (network, author handle) -> how long the reply's own text may be where it is
# published, for that author; None: no opinion.
TextLimit = Callable[[str, str | None], int | None]


def _shared_profanity() -> ProfanityMatcher:
    # The list is the same for every workspace; build it once per process.
    global _profanity
    if _profanity is None:
        _profanity = ProfanityMatcher()
    return _profanity


class Guardrails:
    def __init__(self, guidelines: Guidelines, brand_handles: dict[str, str] | None = None,
                 text_limit: TextLimit | None = None, canary: str | None = None) -> None:
        self.guidelines = guidelines
        self._leak = leak.LeakCheck(guidelines.text, canary)
        # Set once the publishers are connected: only then is the network's real limit known.
        self.text_limit = text_limit
        self._brand = {echo.normalise_handle(h) for h in (brand_handles or {}).values() if h.strip("@ ")}
        self._profanity = _shared_profanity()
        self._confidential = terms.TermMatcher(guidelines.confidential_terms)
        self._banned = terms.TermMatcher(guidelines.banned_terms)
        self._promises = terms.TermMatcher(guidelines.escalation_promises, stems=True)
        self._allowlist = tuple(e for e in map(links.normalise_entry, guidelines.link_allowlist) if e)
        self._sign_off = re.compile(f"(?:{guidelines.sign_off})\\Z") if guidelines.sign_off else None
        self._limits = dict(guidelines.length_limits)

    def check(
        self,
        text: str,
        network: str,
        *,
        customer: CustomerView | None = None,
        mention_text: str | None = None,
        author_handle: str | None = None,
    ) -> list[Finding]:
        if _INVISIBLE.fullmatch(text):
            return [Finding("empty", "block", "The reply is empty; write a reply before asking for approval.")]
        found_links = links.find_links(text)
        words = terms.word_string(text)
        found = [
            self._leak.check(text),
            self._length(text, network, found_links, author_handle),
            *self._pii(text, customer),
            *self._listed(text, words),
            self._swearing(text),
            self._links(found_links),
            self._promise(text, words),
            self._handles(text, customer, author_handle),
            self._echo(text, mention_text),
            self._signed(text),
        ]
        result = [f for f in found if f is not None]
        return sorted(result, key=lambda f: (f.severity != "block", _RANK.get(f.rule, len(_RANK))))

    def _links(self, found: list[links.Link]) -> Finding | None:
        hosts = terms.unique([link.host for link in found if not links.allowed(link.host, self._allowlist)])
        if not hosts:
            return None
        shown = ", ".join(hosts)
        if not self._allowlist:
            return Finding("links", "block", f"Contains a link ({shown}); the guidelines allow no links in replies.")
        verb = "is" if len(hosts) == 1 else "are"
        return Finding("links", "block", f"Links to {shown}, which {verb} not on the list of allowed sites "
                                         f"({', '.join(self._allowlist)}).")

    def length_limit(self, network: str, author_handle: str | None = None) -> int | None:
        """The most a reply to `author_handle` on `network` may hold: the
        guidelines' limit, or less when the connected account allows less."""
        return self._limit(network, author_handle)[0]

    def _limit(self, network: str, author: str | None) -> tuple[int | None, bool]:
        """The limit, and whether it is the network's own (not the guidelines')."""
        configured = length.limit_for(network, self._limits)
        platform = self.text_limit(network, author) if self.text_limit else None
        if platform is not None and (configured is None or platform < configured):
            return max(platform, 0), True
        return configured, False

    def _length(self, text: str, network: str, found: list[links.Link], author: str | None) -> Finding | None:
        limit, from_platform = self._limit(network, author)
        if limit is None:
            return None
        spans = [(link.start, link.end) for link in found]
        size = length.measure(text, network, spans)
        if size <= limit:
            return None
        unit = "characters" if network != "bluesky" else "characters (as readers see them)"
        name = length.network_name(network)
        where = f" (the most the connected {name} account can post in this reply)" if from_platform else ""
        return Finding("length", "block", f"{size}/{limit} {unit} on {name}{where}; "
                                          f"shorten the reply by {size - limit}.")

    def _pii(self, text: str, customer: CustomerView | None) -> list[Finding]:
        by_kind: dict[str, list[str]] = {}
        for item in pii.scan(text, customer):
            by_kind.setdefault(item.kind, []).append(item.masked)
        findings = []
        for kind, (one, many) in _PII_WORDS.items():
            if kind in by_kind:
                shown = terms.unique(by_kind[kind])
                what = one if len(shown) == 1 else many
                advice = _PII_ADVICE.get(kind, _CONTACT_ADVICE)
                findings.append(Finding("pii", "block", f"Contains {what} ({', '.join(shown)}); {advice}"))
        return findings

    def _listed(self, text: str, words: str) -> list[Finding]:
        findings = []
        secret = self._confidential.find(text, words)
        if secret:
            findings.append(Finding("confidential", "block", f"Mentions {terms.quoted(secret)}, which the "
                                    "guidelines mark as confidential; internal names must never be posted."))
        banned = self._banned.find(text, words)
        if banned:
            findings.append(Finding("banned_terms", "block", f"Uses {terms.quoted(banned)}, which the guidelines ban "
                                                             "in replies."))
        return findings

    def _swearing(self, text: str) -> Finding | None:
        hits = self._profanity.scan(text)
        if not hits:
            return None
        words = terms.quoted([h.word for h in hits])
        if max(h.level for h in hits) >= 2:
            return Finding("profanity", self.guidelines.profanity, f"Contains profanity ({words}); "
                                                                   "a brand reply must not swear.")
        return Finding("profanity", "warn", f"Contains mildly rude language ({words}); consider other words.")

    def _promise(self, text: str, words: str) -> Finding | None:
        matches = self._promises.find(text, words)
        if not matches:
            return None
        return Finding("promise", "warn", f"{terms.promise_summary(matches)}; policy needs an approver to "
                                          "confirm this is allowed.")

    def _handles(self, text: str, customer: CustomerView | None, author: str | None) -> Finding | None:
        if "@" not in text:
            return None
        allowed = set(self._brand)
        allowed.update(echo.normalise_handle(h) for h in (customer.handles if customer else ()) if h.strip("@ "))
        if author and author.strip("@ "):
            allowed.add(echo.normalise_handle(author))
        others = echo.foreign_handles(text, allowed)
        if not others:
            return None
        who = ", ".join(others)
        return Finding("handles", "warn", f"Mentions {who}, who {'is' if len(others) == 1 else 'are'} neither the "
                                          "customer nor our own account; a reply must not pull others in.")

    def _echo(self, text: str, mention_text: str | None) -> Finding | None:
        passage = echo.echoed_passage(text, mention_text) if mention_text else None
        if passage is None:
            return None
        if len(passage) > 80:
            passage = passage[:77] + "…"
        return Finding("mention_echo", "warn", f"Repeats the customer's post word for word (“{passage}”); "
                                               "answer the post instead of echoing it, since posts can hide "
                                               "instructions.")

    def _signed(self, text: str) -> Finding | None:
        if self._sign_off is None or self._sign_off.search(text.rstrip()):
            return None
        return Finding("sign_off", "warn", f"Does not end with the sign-off the guidelines require "
                                           f"(it must match {self.guidelines.sign_off}).")


def findings_to_json(findings: list[Finding]) -> list[dict]:
    return [{"rule": f.rule, "severity": f.severity, "reason": f.reason} for f in findings]
