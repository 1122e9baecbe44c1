"""What a `rejoinder run` process does. A deployment can split the work and
scale each part on its own:

- sources:  read the configured sources (one process per source at a time,
            through a lease) and put what they find on the bus;
- pipeline: take mentions off the bus and store them as cases (any number
            of processes share the stream);
- workers:  publish approved replies on the networks (the publish outbox);
- chat:     listen to the chat platforms (commands, clicks) and post cards
            and thread lines (the chat outbox).
"""
from __future__ import annotations

ROLES = ("sources", "pipeline", "workers", "chat")


def parse_roles(text: str) -> set[str]:
    """`all`, one role, or several separated by commas; ValueError names a wrong one."""
    words = {w.strip().lower() for w in text.split(",") if w.strip()}
    if not words:
        raise ValueError("give at least one role: all, " + ", ".join(ROLES))
    if "all" in words:
        return set(ROLES)
    unknown = sorted(words - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}; roles are all, " + ", ".join(ROLES))
    return words
