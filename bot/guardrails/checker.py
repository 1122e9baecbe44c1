"""`Guardrails`: every rule an outgoing draft must pass, compiled once per
workspace. `check` returns findings blocks first, then warnings, each group in
RULE_ORDER; a person must be able to act on every `reason` without docs.

Every rule reads the reply's canonical form (canonical.py: NFKC, invisible
characters removed, lookalike letters folded, words.py for leetspeak and
joined words), and quotes the reply as it was written.

The `promise` rule warns even on negated wording ("we can't offer a refund"):
telling negation from promise is unreliable, and a needless approver look is
cheaper than an unreviewed promise. Its findings always carry rule="promise"
so the core can treat the case as high-risk.

Every rule is linear in the reply; speed and catch rates are measured by
bench/guard_quality.py.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from bot.config.workspace import Contacts, Guidelines
from bot.guardrails import echo, leak, length, links, offensive, pii, promises, terms
from bot.guardrails.canonical import Canonical, canonical
from bot.guardrails.contacts import BrandContacts
from bot.guardrails.profanity import ProfanityMatcher, read_list, with_joined
from bot.guardrails.words import Words, key_of
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
_LINK_WORDS = {
    "lookalike": "goes to {shown}, a lookalike of an allowed site (letters from other alphabets or punycode)",
    "redirect": "forwards from an allowed site to another one ({shown})",
}
# The model's probability above which a reply reads as offensive even when no listed word is in it.
OFFENSIVE_SCORE = 0.95
_profanity: ProfanityMatcher | None = None
_key_matcher: ProfanityMatcher | None = None
# (network, author handle) -> how long the reply's own text may be where it is
# published, for that author; None: no opinion.
TextLimit = Callable[[str, str | None], int | None]


def _key_profanity() -> ProfanityMatcher:
    """The profanity list in the key form of words.py (leetspeak folded, "l"
    read as "i"), each phrase also without its spaces ("analplug")."""
    global _key_matcher
    if _key_matcher is None:
        entries = []
        for term, level in read_list():
            key = key_of(term).strip()
            if key:
                entries.append((key, level))
        _key_matcher = ProfanityMatcher(with_joined(entries))
    return _key_matcher


def _shared_profanity() -> ProfanityMatcher:
    # The list is the same for every workspace; build it once per process.
    global _profanity
    if _profanity is None:
        _profanity = ProfanityMatcher()
    return _profanity


class Guardrails:
    def __init__(self, guidelines: Guidelines, brand_handles: dict[str, str] | None = None,
                 text_limit: TextLimit | None = None, contacts: Contacts | None = None,
                 canary: str | None = None) -> None:
        self.guidelines = guidelines
        self._leak = leak.LeakCheck(guidelines.text, canary)
        # Set once the publishers are connected: only then is the network's real limit known.
        self.text_limit = text_limit
        self._brand = {echo.normalise_handle(h) for h in (brand_handles or {}).values() if h.strip("@ ")}
        self._profanity = _shared_profanity()
        self._confidential = terms.TermMatcher(guidelines.confidential_terms, codenames=True)
        self._banned = terms.TermMatcher(guidelines.banned_terms)
        self._promises = terms.TermMatcher(guidelines.escalation_promises, stems=True)
        self._families = promise_families(guidelines)
        c = contacts or Contacts()
        self.contacts = BrandContacts(c.phones, c.emails, c.domains, c.region, c.addresses)
        self._allowlist = tuple(e for e in map(links.normalise_entry, guidelines.link_allowlist) if e)
        self._link_policy = links.LinkPolicy(self._allowlist, self.contacts.domains, _instances(brand_handles or {}))
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
        canon = canonical(text)
        if _INVISIBLE.fullmatch(canon.clean.text):
            return [Finding("empty", "block", "The reply is empty; write a reply before asking for approval.")]
        found_links = links.find_links(canon.letters, canon.clean.text)
        words = Words(canon.clean)
        found = [
            self._leak.check(canon.clean.text),  # invisible characters cannot hide the canary
            self._length(text, network, [canon.clean.span(link.start, link.end) for link in found_links],
                         author_handle),
            *self._pii(canon, customer, [(link.start, link.end) for link in found_links]),
            *self._listed(words, canon.folded.text),
            self._swearing(canon, words),
            self._links(found_links),
            self._promise(words, canon.folded.text),
            self._handles(text, customer, author_handle),
            self._echo(text, mention_text),
            self._signed(text),
        ]
        result = [f for f in found if f is not None]
        return sorted(result, key=lambda f: (f.severity != "block", _RANK.get(f.rule, len(_RANK))))

    def _links(self, found: list[links.Link]) -> Finding | None:
        judged = [j for j in map(self._link_policy.judge, found) if j is not None]
        if not judged:
            return None
        special = [(kind, shown) for kind, shown in judged if kind != "foreign"]
        if special:
            kind, shown = special[0]
            return Finding("links", "block", "The reply " + _LINK_WORDS[kind].format(shown=shown) +
                           "; links must go only to sites the guidelines allow.")
        hosts = terms.unique([shown for _, shown in judged])
        shown = ", ".join(hosts)
        if not self._allowlist:
            return Finding("links", "block", f"Contains a link ({shown}); the guidelines allow no links in replies "
                                             "beyond the networks' own and the brand's contact domains.")
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

    def _length(self, text: str, network: str, spans: list[tuple[int, int]], author: str | None) -> Finding | None:
        over_bytes = length.bytes_over(text, network)
        if over_bytes:
            return Finding("length", "block", over_bytes)
        limit, from_platform = self._limit(network, author)
        if limit is None:
            return None
        size = length.measure(text, network, spans)
        if size <= limit:
            return None
        unit = "characters" if network != "bluesky" else "characters (as readers see them)"
        name = length.network_name(network)
        where = f" (the most the connected {name} account can post in this reply)" if from_platform else ""
        return Finding("length", "block", f"{size}/{limit} {unit} on {name}{where}; "
                                          f"shorten the reply by {size - limit}.")

    def _pii(self, canon: Canonical, customer: CustomerView | None, spans: list[tuple[int, int]]) -> list[Finding]:
        by_kind: dict[str, list[str]] = {}
        for item in pii.scan(canon, customer, self.contacts, spans):
            by_kind.setdefault(item.kind, []).append(item.masked)
        findings = []
        for kind, (one, many) in _PII_WORDS.items():
            if kind in by_kind:
                shown = terms.unique(by_kind[kind])
                what = one if len(shown) == 1 else many
                advice = _PII_ADVICE.get(kind, _CONTACT_ADVICE)
                listed = ", ".join(shown[:5]) + (" and more" if len(shown) > 5 else "")
                findings.append(Finding("pii", "block", f"Contains {what} ({listed}); {advice}"))
        return findings

    def _listed(self, words: Words, folded: str) -> list[Finding]:
        findings = []
        secret = self._confidential.find(words, folded)
        if secret:
            findings.append(Finding("confidential", "block", f"Mentions {terms.written_as(secret)}, which the "
                                    "guidelines mark as confidential; internal names must never be posted."))
        banned = self._banned.find(words, folded)
        if banned:
            findings.append(Finding("banned_terms", "block", f"Uses {terms.written_as(banned)}, which the "
                                                             "guidelines ban in replies."))
        return findings

    def _swearing(self, canon: Canonical, words: Words) -> Finding | None:
        hits = self._profanity.scan(canon.folded.text)
        if words.joined_plain:  # "f.u.c.k", "shit-head", "s h i t": may be worse than its parts
            seen = {h.term for h in hits}
            hits += [h for h in self._profanity.scan(words.joined_plain) if h.term not in seen]
        if not hits and words.split_camel:  # "FuckThis", "#ShitShow"
            hits = self._profanity.scan(words.spaced_plain)
        if not hits and (words.leet or words.joined_plain or not canon.clean.text.isascii()):
            # Leetspeak that reads "1" as "l" ("b1acky"), and terms written without their spaces.
            hits = _key_profanity().scan(" . ".join(keys for keys, _ in words.key_strings()))
        if hits:
            # A few distinct words are quoted; looking each hit up would cost a pass over the text per hit.
            shown = list(dict.fromkeys(h.word for h in hits))[:6]
            listed = terms.written_as([(word, _as_written(canon, word)) for word in shown])
            if max(h.level for h in hits) >= 2:
                return Finding("profanity", self.guidelines.profanity, f"Contains profanity ({listed}); "
                                                                       "a brand reply must not swear.")
            return Finding("profanity", "warn", f"Contains mildly rude language ({listed}); consider other words.")
        rated = offensive.score(words.merged_plain)
        if rated >= OFFENSIVE_SCORE:
            return Finding("profanity", "warn", f"Reads as rude or offensive (a profanity model rates it "
                                                f"{rated:.0%} likely); consider other words.")
        return None

    def _promise(self, words: Words, folded: str) -> Finding | None:
        matches = self._promises.find(words, folded)
        if matches:  # the configured stems say it in the guidelines' own words
            return Finding("promise", "warn", f"{terms.promise_summary([t for t, _ in matches])}; policy needs an "
                                              "approver to confirm this is allowed.")
        found = promises.find(words, self._families)
        if not found:
            return None
        summary = terms.summarise([promises.LABELS[name] for _, name, _ in found])
        return Finding("promise", "warn", f"{summary} ({terms.quoted([w for _, _, w in found])}); policy needs an "
                                          "approver to confirm this is allowed.")

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


def _as_written(canon: Canonical, word: str) -> str:
    """The original text behind a word found in the folded view ("fuсking"
    with a Cyrillic "с", "sh\u200bit"); the word itself when the hit came
    from a joined or re-spaced view that has no offsets in the original."""
    at = canon.folded.text.find(word)
    return canon.folded.quote(at, at + len(word)) if at >= 0 else word


def promise_families(guidelines: Guidelines) -> tuple[str, ...]:
    """The promise families to recognise: those named in the guidelines, or
    all of them while `escalation_promises` is left at its default (a
    workspace that lists its own stems gets exactly those)."""
    if guidelines.promise_families is not None:
        return tuple(guidelines.promise_families)
    default = Guidelines.model_fields["escalation_promises"].get_default(call_default_factory=True)
    return tuple(promises.FAMILIES) if guidelines.escalation_promises == default else ()


def _instances(handles: dict[str, str]) -> tuple[str, ...]:
    """The connected Mastodon instance, from the brand's "@acme@mastodon.social" handle."""
    return tuple(h.rsplit("@", 1)[1].lower() for network, h in handles.items()
                 if network == "mastodon" and h.strip("@").count("@") == 1)


def findings_to_json(findings: list[Finding]) -> list[dict]:
    return [{"rule": f.rule, "severity": f.severity, "reason": f.reason} for f in findings]
