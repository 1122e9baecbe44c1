"""The bundled demo world of Tandem Bikes: feed, customers, orders, workspace
and usage guidelines, shipped as package data so `rejoinder demo` needs no
accounts and no setup."""
from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent


def path(name: str) -> Path:
    """The path of a bundled demo file, e.g. path("workspace.yaml")."""
    return DEMO_DIR / name
