"""HubSpot as a CustomerDirectory: contacts found by a social-handle property
or email, the card's context from companies, deals, tickets and owners, and
each interaction written once as a note associated with the contact and its
company, carrying Rejoinder's key in a note property."""
from __future__ import annotations

from datetime import datetime, timezone

from hubspot import HubSpot
from hubspot.crm.objects import (
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from urllib3.util.retry import Retry

from bot.config.crm import HubSpotCrm
from bot.ports import Interaction
from bot.types import CrmContact, CrmItem, CrmProfile
from integrations.crm.hubspot.calls import Calls, Conflict, NotFound
from integrations.crm.keys import record_key
from integrations.crm.pacing import Pacer

# HubSpot-defined association type ids (v4).
NOTE_TO_CONTACT, NOTE_TO_COMPANY = 202, 190
TICKET_TO_CONTACT, TICKET_TO_COMPANY = 16, 339
CONTACT_PROPS = ["firstname", "lastname", "email", "associatedcompanyid"]
DEAL_PROPS = ["dealname", "amount", "dealstage", "closedate", "hs_is_closed", "deal_currency_code"]
TICKET_PROPS = ["subject", "hs_pipeline_stage", "createdate", "closed_date"]
RECENT = 3


def _assoc(to_id: str, type_id: int) -> dict:
    return {"to": {"id": to_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class HubSpotDirectory:
    name = "hubspot"

    def __init__(self, cfg: HubSpotCrm, token: str, pacer: Pacer | None = None) -> None:
        self.cfg = cfg
        client = HubSpot(access_token=token, host=(cfg.base_url or "https://api.hubapi.com").rstrip("/"),
                         retry=Retry(total=1, connect=1, read=0, status=0, other=0))
        # Each attribute access builds a new API client (and connection pool): build them once.
        self.objects, self.search_api, self.batch = client.crm.objects.basic_api, client.crm.objects.search_api, client.crm.objects.batch_api
        self.associations = client.crm.associations.v4.basic_api
        self.owners, self.properties = client.crm.owners.owners_api, client.crm.properties.core_api
        self.pacer = pacer or Pacer(cfg.rate_limit.requests, cfg.rate_limit.per_seconds)
        self.call = Calls(self.pacer, cfg.timeout_s)
        self.portal_url = "https://app.hubspot.com"

    async def _search(self, object_type: str, groups: list[list[dict]], properties: list[str], limit: int = 3) -> list:
        request = PublicObjectSearchRequest(filter_groups=[{"filters": g} for g in groups], properties=properties,
                                            limit=limit, after="0", sorts=[])
        return (await self.call(self.search_api.do_search, object_type, request)).results

    def _contact(self, obj) -> CrmContact:
        p = obj.properties
        name = " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x) or p.get("email") or obj.id
        return CrmContact(id=obj.id, name=name, email=p.get("email"), company_id=p.get("associatedcompanyid") or None,
                          url=f"{self.portal_url}/contacts/record/0-1/{obj.id}")

    async def find_contact(self, *, network=None, handle=None, email=None) -> CrmContact | None:
        if email:
            groups = [[{"propertyName": "email", "operator": "EQ", "value": email}]]
        else:
            field = self.cfg.handle_fields.get(network or "")
            if not field or not handle:
                return None
            # Handles are kept with or without the "@"; EQ ignores case.
            groups = [[{"propertyName": field, "operator": "EQ", "value": v}] for v in (handle, f"@{handle}")]
        found = await self._search("contacts", groups, CONTACT_PROPS, limit=2)
        return self._contact(found[0]) if found else None

    async def suggest(self, name: str, emails: list[str]) -> list[CrmContact]:
        groups = [[{"propertyName": "email", "operator": "EQ", "value": e}] for e in emails[:3]]
        first, _, last = name.strip().partition(" ")
        if first and last:
            groups.append([{"propertyName": "firstname", "operator": "EQ", "value": first},
                           {"propertyName": "lastname", "operator": "EQ", "value": last.strip()}])
        if not groups:
            return []
        return [self._contact(o) for o in await self._search("contacts", groups[:5], CONTACT_PROPS, limit=3)]

    async def _associated(self, object_type: str, object_id: str, to_type: str) -> list[str]:
        ids, after = [], None
        while True:
            page = await self.call(self.associations.get_page, object_type, object_id, to_type, after=after, limit=100)
            ids += [str(r.to_object_id) for r in page.results]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after or len(ids) >= 500:
                return ids

    async def _read(self, object_type: str, ids: list[str], properties: list[str]) -> list:
        if not ids:
            return []
        request = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in ids[:100]], properties=properties,
                                                     properties_with_history=[])
        return (await self.call(self.batch.read, object_type, request)).results

    async def profile(self, contact: CrmContact) -> CrmProfile:
        cfg = self.cfg
        obj = await self.call(self.objects.get_by_id, "contacts", contact.id,
                              properties=CONTACT_PROPS + ["hubspot_owner_id", cfg.value_field, cfg.tier_field])
        contact, p = self._contact(obj), obj.properties
        tier, company = p.get(cfg.tier_field), None
        if contact.company_id:
            try:
                found = await self.call(self.objects.get_by_id, "companies", contact.company_id,
                                        properties=["name", cfg.tier_field])
                company, tier = found.properties.get("name"), found.properties.get(cfg.tier_field) or tier
            except NotFound:
                pass
        deals = await self._read("deals", await self._associated("contacts", contact.id, "deals"), DEAL_PROPS)
        tickets = await self._read("tickets", await self._associated("contacts", contact.id, "tickets"), TICKET_PROPS)
        deal_items = sorted((CrmItem("deal", d.properties.get("dealname") or d.id, d.properties.get("dealstage") or "",
                                     _float(d.properties.get("amount")), _when(d.properties.get("closedate")))
                             for d in deals), key=lambda i: i.at or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        open_deals = [d for d in deals if str(d.properties.get("hs_is_closed")).lower() != "true"]
        open_tickets = [CrmItem("ticket", x.properties.get("subject") or x.id, x.properties.get("hs_pipeline_stage") or "",
                                None, _when(x.properties.get("createdate")))
                        for x in tickets if not x.properties.get("closed_date")]
        currency = next((d.properties.get("deal_currency_code") for d in deals if d.properties.get("deal_currency_code")), None)
        return CrmProfile(
            contact=CrmContact(contact.id, contact.name, contact.email, contact.company_id, company, contact.url),
            tier=tier, lifetime_value=_float(p.get(cfg.value_field)),
            open_pipeline=sum(_float(d.properties.get("amount")) or 0.0 for d in open_deals) if deals else None,
            currency=currency, recent=tuple(deal_items[:RECENT]), open_tickets=tuple(open_tickets[:RECENT]),
            owner=await self._owner(p.get("hubspot_owner_id")))

    async def _owner(self, owner_id: str | None) -> str | None:
        if not owner_id:
            return None
        try:
            owner = await self.call(self.owners.get_by_id, int(owner_id))
        except (NotFound, ValueError):
            return None
        return " ".join(x for x in (owner.first_name, owner.last_name) if x) or owner.email

    async def _by_key(self, object_type: str, key: str, contact: CrmContact | None = None) -> str | None:
        """Read by the unique key property: it sees a write made just before a
        crash. Where the property is not unique HubSpot refuses that read, and
        search will not do (its index trails writes by seconds, so a retry
        right after an uncertain write would miss it and write again): the
        contact's own notes or tickets are read instead, through their
        associations, which are written with the object itself."""
        stored = record_key(key)
        try:
            found = await self.call(self.objects.get_by_id, object_type, stored, id_property=self.cfg.key_field,
                                    properties=[self.cfg.key_field])
            return found.id
        except NotFound:
            return None
        except Exception as exc:  # noqa: BLE001 - the client's ApiException of a 400
            if getattr(exc, "status", None) != 400:
                raise
        if contact is not None:
            return await self._among_associated(object_type, contact.id, stored)
        # No contact to look through (closing a ticket opened long ago): search has caught up by then.
        found = await self._search(object_type, [[{"propertyName": self.cfg.key_field, "operator": "EQ", "value": stored}]],
                                   [self.cfg.key_field], limit=1)
        return found[0].id if found else None

    async def _among_associated(self, object_type: str, contact_id: str, stored: str) -> str | None:
        """Every object of `object_type` on the contact, a page at a time, read in batches for the key."""
        after = None
        while True:
            page = await self.call(self.associations.get_page, "contacts", contact_id, object_type, after=after, limit=100)
            ids = [str(r.to_object_id) for r in page.results]
            for obj in await self._read(object_type, ids, [self.cfg.key_field]):
                if (obj.properties or {}).get(self.cfg.key_field) == stored:
                    return obj.id
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return None

    async def find_interaction(self, key: str, contact: CrmContact | None = None) -> str | None:
        return await self._by_key("notes", key, contact)

    async def log_interaction(self, contact: CrmContact, interaction: Interaction) -> str:
        associations = [_assoc(contact.id, NOTE_TO_CONTACT)]
        if contact.company_id:
            associations.append(_assoc(contact.company_id, NOTE_TO_COMPANY))
        body = note_body(interaction)
        note = SimplePublicObjectInputForCreate(associations=associations, properties={
            "hs_timestamp": interaction.at, "hs_note_body": body, self.cfg.key_field: record_key(interaction.key)})
        try:
            return (await self.call(self.objects.create, "notes", note)).id
        except Conflict:  # the key property is unique: this note exists already
            return await self._by_key("notes", interaction.key, contact) or "exists"

    async def open_ticket(self, contact: CrmContact, key: str, subject: str, body: str) -> str:
        tickets = self.cfg.tickets
        props = {"subject": subject[:250], "content": body, self.cfg.key_field: record_key(key),
                 "hs_pipeline": (tickets.pipeline if tickets else None) or "0",
                 "hs_pipeline_stage": (tickets.open_stage if tickets else None) or "1"}
        associations = [_assoc(contact.id, TICKET_TO_CONTACT)]
        if contact.company_id:
            associations.append(_assoc(contact.company_id, TICKET_TO_COMPANY))
        try:
            return (await self.call(self.objects.create, "tickets",
                                    SimplePublicObjectInputForCreate(associations=associations, properties=props))).id
        except Conflict:
            return await self._by_key("tickets", key, contact) or "exists"

    async def find_ticket(self, key: str, contact: CrmContact | None = None) -> str | None:
        return await self._by_key("tickets", key, contact)

    async def close_ticket(self, ticket_id: str) -> None:
        stage = (self.cfg.tickets.closed_stage if self.cfg.tickets else None) or "4"
        await self.call(self.objects.update, "tickets", ticket_id, SimplePublicObjectInput(properties={"hs_pipeline_stage": stage}))

    async def check(self) -> list[str]:
        from integrations.crm.hubspot.check import problems

        return await problems(self)


def note_body(i: Interaction) -> str:
    """The note as HubSpot shows it (its body is HTML)."""
    from html import escape

    what = {"mention": f"Mention on {i.network}", "reply": f"Our reply on {i.network}",
            "resolution": "Case resolved", "escalation": "Case escalated"}.get(i.event, i.event)
    lines = [f"<p><strong>{escape(what)}</strong> · @{escape(i.handle)} · case {i.case_id}"
             + (f" · by {escape(i.actor)}" if i.actor and i.actor != 'rejoinder' else "") + "</p>"]
    if i.text:
        lines.append(f"<p>{escape(i.text)}</p>")
    if i.url:
        lines.append(f'<p><a href="{escape(i.url)}">{escape(i.url)}</a></p>')
    return "".join(lines)
