"""`rejoinder crm check` for Salesforce: the login works, the user may read
and write what the connector uses, and the configured fields exist (the key
field as an External ID)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ports import CrmUnavailable

if TYPE_CHECKING:
    from integrations.crm.salesforce.directory import SalesforceDirectory

PERMISSIONS = ("the connected app's OAuth scopes `api` and `refresh_token`; the user's profile needs API Enabled, "
               "Read on Contact, Account, Opportunity and Case, Create and Edit on Task (and Case for tickets)")


async def problems(d: "SalesforceDirectory") -> list[str]:
    out: list[str] = []
    wanted = {"Contact": {f: f"handle field for {n}" for n, f in d.cfg.handle_fields.items()},
              "Task": {d.cfg.key_field: "idempotency key (an External ID text field)"}}
    if d.cfg.value_field:
        wanted["Contact"][d.cfg.value_field] = "lifetime value"
    if d.cfg.tickets:
        wanted["Case"] = {d.cfg.key_field: "idempotency key on Case (an External ID text field)"}
    for sobject, fields in wanted.items():
        try:
            described = await d.call(lambda sf, o=sobject: getattr(sf, o).describe())
        except CrmUnavailable as exc:
            return out + [f"{exc} (needed: {PERMISSIONS})"]
        have = {f["name"]: f for f in described["fields"]}
        for name, why in fields.items():
            if name not in have:
                out.append(f"{sobject} field {name!r} does not exist ({why})")
            elif name == d.cfg.key_field and not have[name].get("externalId"):
                out.append(f"{sobject} field {name!r} is not marked External ID; upserts need it")
        if sobject in ("Task", "Case") and not described.get("createable", True):
            out.append(f"this user may not create {sobject} records ({PERMISSIONS})")
    return out
