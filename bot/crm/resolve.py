"""Who is this author in the CRM? A link a person made in chat wins (it is a
decision someone took, usually because the CRM's own fields are wrong or
empty); then the contact's social-handle field for the network; then an
email the built-in directory knows for them."""
from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.customers import clean_handle
from bot.ports import CustomerDirectory
from bot.store import tables as t
from bot.types import CrmContact

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def subject(network: str, handle: str) -> str:
    return f"{network}:{clean_handle(handle)}"


async def linked_email(s: AsyncSession, network: str, handle: str) -> str | None:
    """The email a person linked this handle to: for this network, or for every network ("*")."""
    rows = (await s.execute(
        select(t.CrmLink.network, t.CrmLink.email)
        .where(t.CrmLink.handle == clean_handle(handle), or_(t.CrmLink.network == network, t.CrmLink.network == "*"))
    )).all()
    by_network = dict(rows)
    return by_network.get(network) or by_network.get("*")


async def known_email(s: AsyncSession, network: str, handle: str) -> str | None:
    """The built-in directory's email for this author, if it knows them."""
    row = await s.execute(
        select(t.Customer.email).join(t.Identity, t.Identity.customer_id == t.Customer.id)
        .where(t.Identity.network == network, t.Identity.handle == clean_handle(handle)).limit(1))
    return row.scalar_one_or_none()


async def find(directory: CustomerDirectory, network: str, handle: str, link: str | None,
               email: str | None) -> tuple[CrmContact | None, str | None]:
    """(contact, how it was matched: link | handle | email)."""
    if link:
        contact = await directory.find_contact(email=link)
        if contact is not None:
            return contact, "link"
    contact = await directory.find_contact(network=network, handle=clean_handle(handle))
    if contact is not None:
        return contact, "handle"
    if email:
        contact = await directory.find_contact(email=email)
        if contact is not None:
            return contact, "email"
    return None, None


def emails_in(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        for found in EMAIL.findall(text):
            seen.setdefault(found.lower())
    return list(seen)
