"""Checks that compare the reply with the conversation: echoing the customer's
post back, and @-mentioning people who are not part of it."""
from __future__ import annotations

import math
import re

_SENTENCE = re.compile(r"[^.!?;\n]+")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_HANDLE = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)
MIN_SENTENCE_WORDS = 8
ECHO_SHARE = 0.6


def echoed_passage(reply: str, mention: str) -> str | None:
    """The first run of words covering ≥ 60% of an 8+ word sentence of the
    mention that the reply repeats verbatim (ignoring case and punctuation)."""
    reply_words = [w.casefold() for w in _WORD.findall(reply)]
    shortest = math.ceil(ECHO_SHARE * MIN_SENTENCE_WORDS)
    if len(reply_words) < shortest:
        return None
    haystack = " " + " ".join(reply_words) + " "
    for sentence in _SENTENCE.findall(mention):
        written = _WORD.findall(sentence)
        size = math.ceil(ECHO_SHARE * len(written))
        # A sentence longer than the reply allows can never be 60% repeated.
        if len(written) < MIN_SENTENCE_WORDS or size > len(reply_words):
            continue
        words = [w.casefold() for w in written]
        for start in range(len(words) - size + 1):
            end = start + size
            if " " + " ".join(words[start:end]) + " " in haystack:
                # Report the whole repeated run, not just its first 60%.
                while end < len(words) and " " + " ".join(words[start:end + 1]) + " " in haystack:
                    end += 1
                return " ".join(written[start:end])
    return None


def _same_handle(found: str, known: str) -> bool:
    if found == known:
        return True
    # "@jo@mastodon.social" and "jo" name the same person when one side has no server.
    if ("@" in found) != ("@" in known):
        return found.split("@")[0] == known.split("@")[0]
    return False


def normalise_handle(handle: str) -> str:
    """"@Jo", "jo" and "x:jo" (how the customer directory writes handles) are all "jo"."""
    handle = handle.strip()
    if ":" in handle:
        handle = handle.split(":", 1)[1]
    return handle.strip().lstrip("@").lower()


def foreign_handles(reply: str, allowed: set[str]) -> list[str]:
    """@handles in the reply that are neither the customer's nor ours, as written."""
    found = []
    for m in _HANDLE.finditer(reply):
        handle = m.group(1).lower()
        if not any(_same_handle(handle, known) for known in allowed) and m.group() not in found:
            found.append(m.group())
    return found
