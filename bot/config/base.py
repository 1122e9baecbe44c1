"""What every part of the workspace file shares: strict models (unknown keys are
mistakes) and durations such as 15m, 4h or 2d, checked for sane bounds."""
from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_DAYS = 3650  # ten years: anything longer is a typo, and timedelta overflows soon after


def parse_duration(value: str | int) -> timedelta:
    if isinstance(value, int):
        seconds, shown = value, f"{value} seconds"
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{str(value)[:60]!r} is not a duration like 15m, 4h or 2d")
        if len(m.group(1)) > 12:  # before int(): thousands of digits are slow and refused
            digits = m.group(1) if len(m.group(1)) <= 20 else m.group(1)[:20] + "…"
            raise ValueError(f"{digits}{m.group(2)} is longer than {MAX_DURATION_DAYS} days")
        seconds, shown = int(m.group(1)) * _UNIT_SECONDS[m.group(2)], str(value).strip()
    if not 0 <= seconds <= MAX_DURATION_DAYS * 86400:
        raise ValueError(f"{shown} is not a duration from 0 to {MAX_DURATION_DAYS} days")
    return timedelta(seconds=seconds)
