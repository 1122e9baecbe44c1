"""`rejoinder crm check` for HubSpot: the token works, the scopes the
connector needs are granted, and the configured properties exist."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ports import CrmUnavailable
from integrations.crm.hubspot.calls import NotFound

if TYPE_CHECKING:
    from integrations.crm.hubspot.directory import HubSpotDirectory

SCOPES = ("crm.objects.contacts.read, crm.objects.contacts.write, crm.objects.companies.read, "
          "crm.objects.deals.read, crm.objects.owners.read, crm.schemas.contacts.read, tickets")


async def problems(d: "HubSpotDirectory") -> list[str]:
    out: list[str] = []
    # (object type, property, why) for every field the configuration names.
    wanted = [("contacts", field, f"handle field for {network}") for network, field in d.cfg.handle_fields.items()]
    wanted.append(("notes", d.cfg.key_field, "idempotency key on notes (create it as a single-line text property, unique values)"))
    if d.cfg.tickets:
        wanted.append(("tickets", d.cfg.key_field, "idempotency key on tickets"))
    for object_type, name, why in wanted:
        try:
            await d.call(d.properties.get_by_name, object_type, name)
        except NotFound:
            out.append(f"{object_type} property {name!r} does not exist ({why})")
        except CrmUnavailable as exc:
            out.append(f"{exc} (the private app needs the scopes: {SCOPES})")
            return out  # the token or the network is the problem: the rest would say the same
    for object_type in ("contacts", "deals", "tickets"):
        try:
            await d._search(object_type, [], ["hs_object_id"], limit=1)
        except CrmUnavailable as exc:
            out.append(f"reading {object_type}: {exc}")
    return out
