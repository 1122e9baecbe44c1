from __future__ import annotations

import pytest

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails


@pytest.fixture
def guard() -> Guardrails:
    return Guardrails(Guidelines(), {"x": "@acme"})
