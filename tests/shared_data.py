"""Where the public test data lives."""
from __future__ import annotations

from pathlib import Path


def shared_data(relative: str):
    """Public test data kept beside the repository (../shared/data), where CI
    and developers' machines have it; None when absent."""
    repo = Path(__file__).resolve().parents[1]
    for base in (repo.parent / "shared" / "data", Path("/work/shared/data")):
        if (base / relative).is_file():
            return base / relative
    return None
