"""Compose YAML with positions.

PyYAML's composer keeps the position of each node; we record where every
mapping key and list item sits, report duplicate keys (PyYAML silently keeps
the last) and refuse files that expand too far through aliases.
"""
from __future__ import annotations

from typing import Any

import yaml

from bot.config.issues import ConfigError, ConfigIssue, Loc, SourceMap, field_name

MAX_EXPANDED_NODES = 100_000  # guards against alias bombs ("billion laughs")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def compose(text: str, file: str) -> tuple[Any, SourceMap, list[ConfigIssue]]:
    """The plain data, the positions, and duplicate keys (PyYAML silently keeps the last)."""

    def fail(line: int | None, column: int | None, message: str) -> ConfigError:
        return ConfigError([ConfigIssue(file, line, column, "", message)])

    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise fail(None, None, "the file is empty; it needs at least a 'teams' list")
        positions: dict[Loc, tuple[int, int]] = {(): _pos(node)}
        duplicates: list[ConfigIssue] = []
        _walk(loader, node, (), positions, duplicates, file, set())
        _check_size(node, fail)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise fail(mark.line + 1 if mark else None, mark.column + 1 if mark else None, message) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise fail(line, column, f"character {chr(exc.character)!r} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise fail(None, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise fail(None, None, "the file is nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a scalar PyYAML cannot build: a 5,000-digit number, 2024-13-45
        raise fail(None, None, f"a value cannot be read: {str(exc)[:200]}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        line, column = positions[()]
        raise fail(line, column, f"the top level must be a mapping of sections (teams:, routes:, ...), not {_kind(data)}")
    return data, SourceMap(file, positions), duplicates


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(loader, node, path: Loc, positions, duplicates, file: str, seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its positions are recorded where the anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                _walk(loader, value_node, path, positions, duplicates, file, seen)
                continue
            key = loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            try:
                hash(key)
            except TypeError:
                continue
            line, column = _pos(key_node)
            if key in first_line:  # PyYAML keeps the later value, so positions follow it
                duplicates.append(ConfigIssue(file, line, column, field_name(path + (key,)),
                                              f"duplicate key {key!r} (first set on line {first_line[key]})"))
            else:
                first_line[key] = line
            positions[path + (key,)] = (line, column)
            _walk(loader, value_node, path + (key,), positions, duplicates, file, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[path + (index,)] = _pos(item)
            _walk(loader, item, path + (index,), positions, duplicates, file, seen)


def _check_size(root: yaml.Node, fail) -> None:
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in active:
            line, column = _pos(node)
            raise fail(line, column, "this mapping or list contains a YAML alias to itself")
        active.add(id(node))
        children = node.value if isinstance(node, yaml.SequenceNode) else (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
        total = 1 + sum(size(child) for child in children)
        active.discard(id(node))
        if total > MAX_EXPANDED_NODES:
            raise fail(None, None, f"the file expands to more than {MAX_EXPANDED_NODES} values through YAML aliases")
        sizes[id(node)] = total
        return total

    size(root)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (str, int, float, bool)):
        return f"the value {value!r}"
    return "an empty value" if value is None else "a plain value"
