"""Sample values shared by the guardrail tests."""
from __future__ import annotations

from bot.types import CustomerView, Finding


def make_customer(email: str | None = "jo.smith@example.com", phone: str | None = "+1 (555) 123-4567",
                  handles: tuple[str, ...] = ("x:jo_smith", "bluesky:jo.bsky.social")) -> CustomerView:
    return CustomerView(
        customer_id=7, name="Jo Smith", tier="gold", lifetime_value=None, email=email, phone=phone,
        handles=handles, recent_orders=(), open_cases=(), earlier_interactions=(),
    )


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]
