"""What a problem in the workspace file looks like, and where it is.

Every check reports a `ConfigIssue` naming the file, line, column and field;
`SourceMap` turns a data path such as ("sources", 0, "path") into that place.
"""
from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config.workspace import Workspace

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(Exception):
    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def field_name(path: Loc) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggest(word: str, choices: list[str] | tuple[str, ...], known: str = "allowed") -> str:
    """A "did you mean" hint, or the list of allowed values when nothing is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; {known}: {', '.join(choices)}" if choices else ""


@dataclass(frozen=True)
class SourceMap:
    """Where each key and list item of a parsed file sits (1-based line, column)."""

    file: str
    positions: dict[Loc, tuple[int, int]]

    def locate(self, path: Loc) -> tuple[int | None, int | None]:
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None, None

    def issue(self, path: Loc, message: str) -> ConfigIssue:
        line, column = self.locate(path)
        return ConfigIssue(self.file, line, column, field_name(path), message)


# Workspaces are frozen pydantic models, so positions are kept beside them,
# keyed by identity and dropped when the workspace is collected.
_SOURCE_MAPS: dict[int, tuple[weakref.ref, SourceMap]] = {}


def source_map_for(ws: Workspace) -> SourceMap | None:
    """The positions of the file `ws` was loaded from, if it came from the loader."""
    entry = _SOURCE_MAPS.get(id(ws))
    return entry[1] if entry and entry[0]() is ws else None


def remember_source_map(ws: Workspace, smap: SourceMap) -> Workspace:
    _SOURCE_MAPS[id(ws)] = (weakref.ref(ws), smap)
    weakref.finalize(ws, _SOURCE_MAPS.pop, id(ws), None)
    return ws
