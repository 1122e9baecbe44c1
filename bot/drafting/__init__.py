"""Reply drafting: the prompt builder, the offline template drafter and the
helpers every drafter shares. Vendor-backed drafters live in integrations/llm."""
from __future__ import annotations

import re

from bot.types import DraftRequest

# Labels and flags that always need a senior look before anything is published.
ESCALATION_LABELS = frozenset({"legal", "safety", "crisis"})
ESCALATION_FLAGS = frozenset({"legal_threat", "safety"})

PLATFORM_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "reddit": "Reddit",
    "threads": "Threads",
}

# A usable first name: letters first, then letters, apostrophes, dots or hyphens.
_NAME = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*\.?$")


class DraftingFailed(Exception):
    """A drafter could not produce a reply; `reason` is meant for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def needs_escalation(request: DraftRequest) -> bool:
    """True when the labels or flags alone say a senior person must look."""
    return bool(ESCALATION_LABELS.intersection(request.labels) or ESCALATION_FLAGS & request.flags)


def platform_name(network: str) -> str:
    return PLATFORM_NAMES.get(network, network)


def first_name(request: DraftRequest) -> str:
    """The customer's first name, else the author's, else "" when neither looks
    like a name (display names often hold emoji, handles or contact details)."""
    candidates = []
    if request.customer is not None:
        candidates.append(request.customer.name)
    candidates.append(request.author_name)
    for full in candidates:
        token = (full or "").strip().split(maxsplit=1)
        if token and len(token[0]) <= 30 and _NAME.match(token[0]):
            return token[0]
    return ""


# Imported last: the submodules import DraftingFailed and the helpers above.
from bot.drafting.prompt import build_messages  # noqa: E402
from bot.drafting.template import TemplateDrafter  # noqa: E402

__all__ = [
    "DraftingFailed",
    "ESCALATION_FLAGS",
    "ESCALATION_LABELS",
    "TemplateDrafter",
    "build_messages",
    "first_name",
    "needs_escalation",
    "platform_name",
]
