"""Builders for draft requests used across the drafting tests."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.types import CustomerView, DraftRequest, OrderView

GUIDELINES = "Always thank the customer by name. Sign every reply with ^RJ."
BRAND_VOICE = "Cheerful but calm, like a helpful neighbour."
CUSTOMER_EMAIL = "jane.doe@example.com"
CUSTOMER_PHONE = "+44 20 7946 0958"


def customer(name: str = "Jane Doe", orders: tuple[str, ...] = ("A-1001", "A-1002"), tier: str = "gold") -> CustomerView:
    placed = [datetime(2024, 5, day, tzinfo=timezone.utc) for day in range(1, len(orders) + 1)]
    return CustomerView(
        customer_id=7,
        name=name,
        tier=tier,
        lifetime_value=4321.5,
        email=CUSTOMER_EMAIL,
        phone=CUSTOMER_PHONE,
        handles=("janedoe",),
        recent_orders=tuple(
            OrderView(number=n, placed_at=p, total=129.99, currency="EUR", status="in transit")
            for n, p in zip(orders, placed)
        ),
        open_cases=(41, 42),
        earlier_interactions=("Called about a late parcel; reachable at jane.doe@example.com",),
    )


def make_request(**changes) -> DraftRequest:
    values = dict(
        case_id=1,
        network="x",
        author_name="Jane D",
        author_handle="janedoe",
        mention_text="My parcel still hasn't arrived, what is going on?",
        conversation=[],
        customer=customer(),
        labels=("delivery",),
        guidelines=GUIDELINES,
        brand_voice=BRAND_VOICE,
        length_limit=280,
    )
    values.update(changes)
    return DraftRequest(**values)
