"""Numbers no setting can hold: an integer past 64 bits or an infinite or
NaN float is reported where it is, before the schema or the database meets it."""
from __future__ import annotations

import math
from typing import Any

Path = tuple[Any, ...]
LIMIT = 2**63 - 1


def number_problems(data: Any) -> list[tuple[Path, str]]:
    """(path, message) for each out-of-range number; iterative, so any depth is fine."""
    problems: list[tuple[Path, str]] = []
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((path + (key,), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > LIMIT:
            problems.append((path, f"the number is too large ({len(str(abs(value)))} digits); no setting takes it"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append((path, f"{value} is not a usable number here"))
    return sorted(problems, key=lambda p: tuple(map(str, p[0])))
