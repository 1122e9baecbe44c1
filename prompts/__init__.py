"""Prompt templates and the offline reply library, shipped as package data."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=32)
def load_text(name: str) -> str:
    """The text of `prompts/<name>` (UTF-8)."""
    resource = resources.files(__name__).joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(f"prompts/{name}: no such prompt file in the package")
    return resource.read_text(encoding="utf-8")


def load_yaml(name: str):
    """The parsed YAML of `prompts/<name>`; a syntax error names the file and line."""
    try:
        return yaml.safe_load(load_text(name))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"prompts/{name}" + (f", line {mark.line + 1}" if mark else "")
        raise ValueError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
