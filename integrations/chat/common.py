"""Chat helpers that read the same on every platform: command words, bounded
dedupe memories, figures and line-limited text."""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable

from bot.ports import ChatHandlers, Command
from bot.types import CommandResult

log = logging.getLogger(__name__)


class RecentKeys:
    """A bounded set of recently seen keys (oldest forgotten first)."""

    def __init__(self, max_size: int = 5000) -> None:
        self._max = max_size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def seen(self, key: Hashable) -> bool:
        """True when `key` was seen before; records it either way."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        self._keys[key] = None
        if len(self._keys) > self._max:
            self._keys.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._keys)


async def run_command(handlers: ChatHandlers, command: Command) -> CommandResult:
    """The core's answer; a failure there still gets the person a reply."""
    try:
        return await handlers.on_command(command)
    except Exception:
        log.exception("Command %s on case %s failed", command.name, command.case_id)
        return CommandResult(f"Sorry, '{command.name}' failed on our side. It has been logged.", ok=False)


def join_lines(lines: list[str], limit: int, total: int | None = None) -> str:
    """Whole lines only (a cut line could break a `<…>` sequence), then a count
    of what did not fit."""
    total = len(lines) if total is None else total
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit - 40:
            break
        kept.append(line)
        used += len(line) + 1
    if total > len(kept):
        kept.append(f"…and {total - len(kept)} more")
    return "\n".join(kept)


def number(value: float | int | None) -> str:
    if value is None:
        return "hidden"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def split_words(text: str) -> tuple[str, str]:
    """The command word (lower-cased) and the rest; an empty text asks for help."""
    words = text.strip().split(None, 1)
    if not words:
        return "help", ""
    return words[0].lower(), (words[1].strip() if len(words) > 1 else "")
