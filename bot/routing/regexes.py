"""Which regex atoms Hyperscan runs, and which fall back to Python `re`.

Patterns are written in Python `re` syntax (that is what the config checks).
Hyperscan runs them case-insensitively on the UTF-8 text, one report per
pattern. A pattern Hyperscan cannot take (back-references, look-arounds,
`\\u` escapes, patterns that match the empty string…) or whose meaning
differs there (`{,n}`) runs with Python `re` instead, and a warning says so.
With Hyperscan, `\\w`, `\\d` and `\\b` are ASCII classes.
"""
from __future__ import annotations

import re

import hyperscan

FLAGS = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8
_PYTHON_ONLY = re.compile(r"\{,\d")  # "x{,3}": Python reads a range, PCRE a literal
# Inline flags that switch case-insensitivity off, e.g. "(?-i:DAN)": such a
# pattern must see the text as written, not its folded form.
_CASE_SENSITIVE = re.compile(r"\(\?[aiLmsux]*-")


def build(patterns: dict[int, str]) -> hyperscan.Database:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode("utf-8") for p in patterns.values()],
        ids=list(patterns),
        elements=len(patterns),
        flags=FLAGS,
    )
    return db


def compile_set(patterns: dict[int, str]) -> tuple[hyperscan.Database | None, dict[int, str], dict[int, str]]:
    """(a database of the patterns Hyperscan runs, those patterns, {id: why
    Python re runs it instead})."""
    python_only: dict[int, str] = {}
    usable: dict[int, str] = {}
    for pid, pattern in patterns.items():
        if _PYTHON_ONLY.search(pattern):
            python_only[pid] = "'{,n}' means something else in Hyperscan"
        else:
            usable[pid] = pattern
    if not usable:
        return None, usable, python_only
    try:
        return build(usable), usable, python_only
    except hyperscan.error:
        pass
    # Some pattern is not supported: find which ones, one by one.
    for pid, pattern in list(usable.items()):
        try:
            build({pid: pattern})
        except hyperscan.error as exc:
            python_only[pid] = f"Hyperscan says: {exc.args[0] if exc.args else exc}"
            del usable[pid]
    return (build(usable) if usable else None), usable, python_only


def case_sensitive(pattern: str) -> bool:
    """May the pattern find something in the text that it would not find in
    the lower-cased text (or the other way round)?"""
    return _CASE_SENSITIVE.search(pattern) is not None


def position(pattern: re.Pattern[str], text: str, hit: int) -> int:
    """Character offset where a regex's first match starts, for ordering.
    `hit` is that offset already (>= 0, from Python re) or -1 - the byte
    offset where Hyperscan saw a match end."""
    if hit >= 0:
        return hit
    m = pattern.search(text)
    if m:
        return m.start()
    end = -1 - hit  # Hyperscan found what Python re does not: use its end offset
    return len(text.encode("utf-8", "replace")[:end].decode("utf-8", "ignore"))
