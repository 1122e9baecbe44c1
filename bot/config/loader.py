"""Load rejoinder.yaml into a `Workspace`, reporting every mistake with the
file, line, column and field it is in.

The YAML is composed with positions (`yaml_positions`), checked for what the
schema cannot see (`checks`), validated with pydantic, and each pydantic
error's `loc` is mapped back to the closest recorded position here.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from bot.config.checks import check_environment, file_problems, reference_problems
from bot.config.issues import (
    ConfigError, ConfigIssue, Loc, SourceMap, field_name, remember_source_map, source_map_for, suggest,
)
from bot.config.limits import number_problems
from bot.config.match import MATCH_KEYS
from bot.config.workspace import Workspace
from bot.config.yaml_positions import compose

# Other modules import these from here.
__all__ = [
    "ConfigError", "ConfigIssue", "check_environment", "field_name", "load_workspace", "parse_workspace",
    "source_map_for", "starter_text",
]


def starter_text() -> str:
    """The commented starter workspace `rejoinder init` writes."""
    return files("bot.config").joinpath("starter.yaml").read_text(encoding="utf-8")


def load_workspace(path: str | Path) -> Workspace:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(str(path), None, None, "", "file not found; run `rejoinder init` to create one")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(str(path), None, None, "", f"cannot read the file: {exc}")]) from None
    return parse_workspace(text, file=str(path), base_dir=path.parent)


def parse_workspace(text: str, file: str = "<string>", base_dir: Path | None = None) -> Workspace:
    """Parse and validate; relative file references resolve against `base_dir`
    (the current folder when None). Raises ConfigError listing every problem."""
    data, smap, issues = compose(text, file)
    problems = reference_problems(data) + number_problems(data)
    issues += [smap.issue(p, m) for p, m in problems]
    issues += file_problems(data, smap, base_dir or Path.cwd())
    try:
        ws = Workspace.model_validate(data)
    except ValidationError as exc:
        # Model validators stop at their first problem and name no line; when
        # the checks above found the same kind of problem, theirs are sharper.
        covered = {p[:2] if p[0] == "workflows" else () for p, _ in problems}
        issues += [_issue(err, smap) for err in exc.errors(include_url=False)
                   if not (err["type"] == "value_error" and tuple(err["loc"]) in covered)]
        ws = None
    if ws is not None and not issues and ws.guidelines.document:
        doc = (base_dir or Path.cwd()) / ws.guidelines.document
        try:
            text = doc.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(smap.issue(("guidelines", "document"), f"cannot read {doc}: {exc}"))
        else:
            ws = ws.model_copy(update={"guidelines": ws.guidelines.model_copy(update={"text": text})})
    if issues or ws is None:
        raise ConfigError(sorted(issues, key=lambda i: (i.line or 0, i.column or 0)))
    return remember_source_map(ws, smap)


# --- pydantic errors back to positions ----------------------------------------


def _issue(err: dict[str, Any], smap: SourceMap) -> ConfigIssue:
    path, owner, tp = _data_path(tuple(err["loc"]))
    kind, value = err["type"], err.get("input")
    message = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        message = f"unknown key {path[-1]!r}" + suggest(str(path[-1]), _field_names(owner))
    elif kind == "missing":
        message = "this key is required but missing"
    elif kind == "recursion_loop":
        message = "nested too deeply"
    elif kind == "match_node":
        path, message = _match_message(path, value, message)
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ", ".join(map(str, _union_tags(tp)))
        if kind == "union_tag_invalid":
            path, message = path + ("type",), f"unknown type {value.get('type')!r}; use one of: {tags}"
        else:
            message = f"needs a 'type' key, one of: {tags}"
    elif kind == "value_error" and isinstance(value, dict):
        # A validator over a whole mapping (e.g. sla durations) names the bad
        # value; point at the key holding it.
        named = [k for k, v in value.items() if isinstance(v, str | int) and repr(v) in message]
        path = path + (named[0],) if len(named) == 1 else path
    elif isinstance(value, bool | int | float) or (value is not None and not isinstance(value, dict | list | str)):
        message += f" (got {value!r})"
        if kind == "string_type":
            message += "; put the value in quotes if you meant text (YAML reads yes/no/on/off, numbers and dates)"
    elif isinstance(value, str) and len(value) <= 60 and kind not in ("value_error", "assertion_error"):
        message += f" (got {value!r})"
    return smap.issue(path, message)


def _union_tags(tp: Any) -> dict[Any, Any]:
    """Tag -> member of a discriminated union (a `Tag` or a literal `type` field)."""
    tags: dict[Any, Any] = {}
    for member in get_args(tp):
        tag = next((m.tag for m in get_args(member)[1:] if isinstance(m, Tag)), None) \
            if get_origin(member) is Annotated else None
        model = get_args(member)[0] if get_origin(member) is Annotated else member
        type_field = getattr(model, "model_fields", {}).get("type")
        if tag is None and type_field and get_origin(type_field.annotation) is Literal:
            tag = get_args(type_field.annotation)[0]
        if tag is not None:
            tags[tag] = model
    return tags


def _optional(tp: Any) -> bool:
    """`X | None` (e.g. the crm section): its errors are X's."""
    return get_origin(tp) in (Union, UnionType) and len(get_args(tp)) == 2 and get_args(tp)[1] is type(None)


def _data_path(loc: Loc) -> tuple[Loc, type | None, Any]:
    """Drop the union tags pydantic puts in `loc`; also return the model that
    owns the last key, for suggesting the right spelling."""
    tp: Any = Workspace
    path: list[Any] = []
    owner = None
    for part in loc:
        while get_origin(tp) is Annotated or _optional(tp):
            tp = get_args(tp)[0]
        owner = None
        if part == "[key]":
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = next((f for n, f in tp.model_fields.items() if part in (n, f.alias)), None)
            path.append(part)
            tp = field.annotation if field else None
        elif get_origin(tp) in (list, dict):
            path.append(part)
            tp = get_args(tp)[-1]
        elif get_origin(tp) in (Union, UnionType):
            tags = _union_tags(tp)
            if part in tags:
                tp = tags[part]  # a union tag: not part of the data
            else:
                path.append(part)
                tp = None
        else:
            path.append(part)
            tp = None
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tuple(path), owner, tp


def _field_names(model: type | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]  # type: ignore[attr-defined]


def _match_message(path: Loc, value: Any, default: str) -> tuple[Loc, str]:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return path + (key,), f"unknown match key {key!r}" + suggest(str(key), MATCH_KEYS)
    if isinstance(value, dict) and len(value) > 1:
        keys = ", ".join(map(str, value))
        return path, f"a match node has exactly one key, found {len(value)} ({keys}); combine them under all: or any:"
    return path, default
