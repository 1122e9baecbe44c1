from __future__ import annotations

import pytest

from tests.emulators.openai_server import clear_proxy_env, openai_emulator  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _direct_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_env(monkeypatch)
