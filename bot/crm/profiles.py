"""CRM profiles to and from the JSON kept in the read cache, and the
partner view of them."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from bot.types import CrmContact, CrmItem, CrmPanel, CrmProfile


def _item_to(item: CrmItem) -> dict:
    return {**asdict(item), "at": item.at.isoformat() if item.at else None}


def _item_from(d: dict) -> CrmItem:
    return CrmItem(kind=d["kind"], title=d["title"], status=d["status"], amount=d.get("amount"),
                   at=datetime.fromisoformat(d["at"]) if d.get("at") else None)


def contact_to_dict(contact: CrmContact) -> dict:
    return asdict(contact)


def contact_from_dict(d: dict) -> CrmContact:
    return CrmContact(**{k: d.get(k) for k in ("id", "name", "email", "company_id", "company", "url")})


def profile_to_dict(p: CrmProfile) -> dict:
    return {"contact": contact_to_dict(p.contact), "tier": p.tier, "lifetime_value": p.lifetime_value,
            "open_pipeline": p.open_pipeline, "currency": p.currency, "owner": p.owner,
            "recent": [_item_to(i) for i in p.recent], "open_tickets": [_item_to(i) for i in p.open_tickets]}


def profile_from_dict(d: dict) -> CrmProfile:
    return CrmProfile(contact=contact_from_dict(d["contact"]), tier=d.get("tier"),
                      lifetime_value=d.get("lifetime_value"), open_pipeline=d.get("open_pipeline"),
                      currency=d.get("currency"), owner=d.get("owner"),
                      recent=tuple(_item_from(i) for i in d.get("recent", ())),
                      open_tickets=tuple(_item_from(i) for i in d.get("open_tickets", ())))


def redact(panel: CrmPanel) -> CrmPanel:
    """What a partner may see: the account, its tier and what is going on,
    never amounts, emails, the owner or other people's names."""
    p = panel.profile
    profile = None
    if p is not None:
        first = p.contact.name.split()[0] if p.contact.name.strip() else "there"
        profile = CrmProfile(
            contact=CrmContact(id="", name=first, company=p.contact.company), tier=p.tier,
            recent=tuple(replace(i, amount=None) for i in p.recent),
            open_tickets=tuple(replace(i, amount=None) for i in p.open_tickets))
    return replace(panel, profile=profile, suggestions=(), error=None, redacted=True)
