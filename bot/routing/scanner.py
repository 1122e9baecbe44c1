"""Find literal terms and regexes in a mention: one Hyperscan scan.

One database holds literal terms (keywords, phrases, #hashtags, @handles)
and regexes, so a mention costs one `scan` call. Literal terms are stored
folded (terms.fold) and matched case-sensitively against the UTF-8 bytes of
the folded text: plain literals let Hyperscan use its SIMD literal matcher
(caseless literals scan about twice as slow), and folding in Python keeps
full Unicode case folding ("STRASSE" meets "straße").

Whole-word checks are not written into the patterns: `\\b` on ten thousand
terms makes Hyperscan compile for tens of seconds and scan slower. The match
callback looks at the bytes on either side instead, and decodes a neighbour
only when it is not ASCII ("refundé" is no "refund", "iPhone坏了" holds
"iphone"). The callback is the costly part (about 0.3 µs a call, against
0.15 µs for the scan call itself), hence the two scans of the Router: its
trigger terms first, the rest only for mentions that have a candidate route.

Regexes must see the text as written, case-insensitively. The folded text
serves when that changes nothing for them (ASCII text, which folding only
lower-cases, and no regex that switches case-insensitivity off; or text
that folding leaves unchanged); otherwise they get a scan of their own.

Not safe to use from two threads at once (one scratch space per database).
"""
from __future__ import annotations

import re

import hyperscan

from bot.routing import regexes as rx
from bot.routing.terms import ASCII_WORD, HANDLE_EDGE, LiteralTerm, joins

# The edge table, by id: one small int per literal, its length in bytes << 3 |
# right check << 1 | left check (see edge_of); 0 for a regex. Small ints are
# shared objects, so a look-up touches no cold memory (a tuple per id cost a
# cache miss per hit).
_LEFT, _RIGHT_MASK, _HANDLE_RIGHT = 1, 0b110, HANDLE_EDGE << 1

_WORD_BYTE, _HIGH_BYTE = 1, 2
_BYTE_KIND = bytes(_HIGH_BYTE if b >= 0x80 else _WORD_BYTE if chr(b) in ASCII_WORD else 0 for b in range(256))
_HANDLE_GLUE = b".-@"  # "@acme.bsky.social", "@acme@mastodon.social", "@acme-shop"


def _char_before(data: bytes, i: int) -> str:
    return data[max(0, i - 4):i].decode("utf-8", "ignore")[-1:]


def _char_at(data: bytes, i: int) -> str:
    return data[i:i + 4].decode("utf-8", "ignore")[:1]


def _on_match(tid: int, _start: int, end: int, _flags: int, context: tuple) -> None:
    """Record where a term first occurs as a whole word (a byte offset in the
    folded text); a regex records -1 - its byte end offset."""
    hits, data, edges = context
    if tid in hits:
        return
    edge = edges[tid]
    if not edge:
        hits[tid] = -1 - end
        return
    start = end - (edge >> 3)
    if edge & _LEFT and start:
        kind = _BYTE_KIND[data[start - 1]]
        if kind == _WORD_BYTE or (kind and joins(_char_before(data, start))):
            return
    right = edge & _RIGHT_MASK
    if right and end < len(data):
        byte = data[end]
        kind = _BYTE_KIND[byte]
        if kind == _WORD_BYTE or (kind and joins(_char_at(data, end))):
            return
        # "@acme" inside "@acme.bsky.social" or "@acme@mastodon.social" is another account.
        if right == _HANDLE_RIGHT and byte in _HANDLE_GLUE and end + 1 < len(data) and joins(_char_at(data, end + 1)):
            return
    hits[tid] = start


def _on_literal(tid: int, start: int, end: int, flags: int, context: tuple) -> None:
    """As _on_match, for a scan whose regex reports come from elsewhere."""
    if context[2][tid]:
        _on_match(tid, start, end, flags, context)


def _on_regex(pid: int, _start: int, end: int, _flags: int, hits: dict) -> None:
    if pid not in hits:
        hits[pid] = -1 - end


def literal_pattern(key: str) -> bytes:
    """`key` as a Hyperscan pattern matching exactly its UTF-8 bytes."""
    return "".join(
        chr(b) if b < 0x80 and chr(b).isalnum() else f"\\x{b:02x}" for b in key.encode("utf-8")
    ).encode("ascii")


def edge_of(term: LiteralTerm) -> int:
    """The edge table entry of a literal term."""
    return len(term.key.encode("utf-8")) << 3 | term.right << 1 | (_LEFT if term.left else 0)


class TextScanner:
    """Literal terms and regexes (ids chosen by the caller) in one database.
    `edges` is the edge table of every literal id the caller uses."""

    def __init__(self, literals: dict[int, LiteralTerm], regexes: dict[int, str], edges: list[int]) -> None:
        # The regexes alone, for texts they must read as written.
        self._regex_db, usable, self.python_only = rx.compile_set(regexes)
        self.fallback = {pid: re.compile(regexes[pid], re.IGNORECASE) for pid in self.python_only}
        self.fold_safe = not any(rx.case_sensitive(p) for p in usable.values())
        self._edges = edges
        self._has_literals = bool(literals)
        self._db = self._build(literals, usable) if literals else self._regex_db

    @staticmethod
    def _build(literals: dict[int, LiteralTerm], regexes: dict[int, str]) -> hyperscan.Database:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [literal_pattern(t.key) for t in literals.values()]
        expressions += [p.encode("utf-8") for p in regexes.values()]
        db.compile(
            expressions=expressions,
            ids=[*literals, *regexes],
            elements=len(expressions),
            flags=[0] * len(literals) + [rx.FLAGS] * len(regexes),
        )
        return db

    def scan(self, text: str, data: bytes, regexes_on_data: bool, hits: dict[int, int]) -> None:
        """Add to `hits` every term and regex found. `data` is the folded text
        in UTF-8; `regexes_on_data` says the regexes may read it instead of `text`."""
        db = self._db
        if db is not None:
            if regexes_on_data or self._regex_db is None:
                # Positional arguments: keyword parsing doubles the cost of this call.
                db.scan(data, _on_match, 0, (hits, data, self._edges))
            else:
                if self._has_literals:
                    db.scan(data, _on_literal, 0, (hits, data, self._edges))
                self._regex_db.scan(text.encode("utf-8", "replace"), _on_regex, 0, hits)
        if self.fallback:
            for pid, pattern in self.fallback.items():
                if pid not in hits:
                    m = pattern.search(text)
                    if m:
                        hits[pid] = m.start()
