"""Salesforce as a CustomerDirectory: Contacts found by SOQL on a handle
field or Email; the card's context from the Account, its Opportunities and
the Contact's Cases; each interaction upserted once as a completed Task keyed
by an External ID field (Salesforce itself refuses a second record with the
same key), and optionally a Case opened and closed per chosen route."""
from __future__ import annotations

from datetime import datetime

from simple_salesforce import Salesforce
from simple_salesforce.format import format_soql

from bot.config.crm import SalesforceCrm
from bot.ports import Interaction
from bot.types import CrmContact, CrmItem, CrmProfile
from integrations.crm.keys import record_key
from integrations.crm.pacing import Pacer
from integrations.crm.salesforce.auth import TimeoutSession, fetch_token
from integrations.crm.salesforce.calls import Calls, NotFound

RECENT = 3
SUBJECTS = {"mention": "Social mention", "reply": "Social reply", "resolution": "Social case resolved",
            "escalation": "Social case escalated"}


def _when(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("+0000", "+00:00")) if value else None
    except ValueError:
        return None


class SalesforceDirectory:
    name = "salesforce"

    @staticmethod
    def secrets(cfg: SalesforceCrm) -> list[str]:
        """The `*_env` settings this configuration's auth flow needs."""
        return ["client_id_env", "client_secret_env", "refresh_token_env"] if cfg.auth == "refresh_token" \
            else ["client_id_env", "username_env", "private_key_env"]

    def __init__(self, cfg: SalesforceCrm, secrets: dict[str, str], session: TimeoutSession | None = None) -> None:
        self.cfg, self.secrets = cfg, secrets
        self.session = session or TimeoutSession(cfg.timeout_s)
        self.pacer = Pacer(cfg.rate_limit.requests, cfg.rate_limit.per_seconds)
        self.call = Calls(self.pacer, self._login)

    def _login(self) -> Salesforce:
        token = fetch_token(self.cfg, self.secrets, self.session)
        return Salesforce(instance_url=token.instance_url, session_id=token.access_token,
                          version=self.cfg.api_version, session=self.session)

    async def _query(self, soql: str) -> list[dict]:
        return (await self.call(lambda sf: sf.query_all(soql)))["records"]

    def _contact(self, r: dict) -> CrmContact:
        account = r.get("Account") or {}
        return CrmContact(id=r["Id"], name=r.get("Name") or r.get("Email") or r["Id"], email=r.get("Email"),
                          company_id=r.get("AccountId"), company=account.get("Name"),
                          url=f"{self.cfg.instance_url.rstrip('/')}/lightning/r/Contact/{r['Id']}/view")

    async def find_contact(self, *, network=None, handle=None, email=None) -> CrmContact | None:
        base = "SELECT Id, Name, Email, AccountId, Account.Name FROM Contact WHERE "
        if email:
            soql = format_soql(base + "Email = {} LIMIT 2", email)
        else:
            field = self.cfg.handle_fields.get(network or "")
            if not field or not handle:
                return None
            soql = format_soql(base + f"{field} IN {{}} LIMIT 2", [handle, f"@{handle}"])
        found = await self._query(soql)
        return self._contact(found[0]) if found else None

    async def suggest(self, name: str, emails: list[str]) -> list[CrmContact]:
        base = "SELECT Id, Name, Email, AccountId, Account.Name FROM Contact WHERE "
        found: dict[str, dict] = {}
        if emails:
            for r in await self._query(format_soql(base + "Email IN {} LIMIT 3", emails[:3])):
                found[r["Id"]] = r
        first, _, last = name.strip().partition(" ")
        if first and last and len(found) < 3:
            for r in await self._query(format_soql(base + "FirstName = {} AND LastName = {} LIMIT 3", first, last.strip())):
                found.setdefault(r["Id"], r)
        return [self._contact(r) for r in list(found.values())[:3]]

    async def profile(self, contact: CrmContact) -> CrmProfile:
        cfg = self.cfg
        fields = ["Id", "Name", "Email", "AccountId", "Account.Name", f"Account.{cfg.tier_field}", "Account.Owner.Name",
                  "Owner.Name"] + ([cfg.value_field] if cfg.value_field else [])
        rows = await self._query(format_soql(f"SELECT {', '.join(fields)} FROM Contact WHERE Id = {{}}", contact.id))
        if not rows:
            raise NotFound(f"Contact {contact.id}")
        r = rows[0]
        account = r.get("Account") or {}
        opportunities = await self._query(format_soql(
            "SELECT Id, Name, StageName, Amount, CloseDate, IsClosed, IsWon FROM Opportunity WHERE AccountId = {} "
            "ORDER BY CloseDate DESC", r.get("AccountId"))) if r.get("AccountId") else []
        cases = await self._query(format_soql(
            "SELECT Id, CaseNumber, Subject, Status, IsClosed, CreatedDate FROM Case WHERE ContactId = {} "
            "ORDER BY CreatedDate DESC LIMIT 20", contact.id))
        won = sum(o.get("Amount") or 0.0 for o in opportunities if o.get("IsWon"))
        value = r.get(cfg.value_field) if cfg.value_field else (won if opportunities else None)
        owner = (account.get("Owner") or {}).get("Name") or (r.get("Owner") or {}).get("Name")
        return CrmProfile(
            contact=self._contact(r), tier=account.get(cfg.tier_field), lifetime_value=value,
            open_pipeline=sum(o.get("Amount") or 0.0 for o in opportunities if not o.get("IsClosed")) if opportunities else None,
            recent=tuple(CrmItem("opportunity", o["Name"], o.get("StageName") or "", o.get("Amount"), _when(o.get("CloseDate")))
                         for o in opportunities[:RECENT]),
            open_tickets=tuple(CrmItem("case", f"{c.get('CaseNumber')} {c.get('Subject') or ''}".strip(), c.get("Status") or "",
                                       None, _when(c.get("CreatedDate"))) for c in cases if not c.get("IsClosed"))[:RECENT],
            owner=owner)

    async def _by_key(self, sobject: str, key: str) -> str | None:
        rows = await self._query(format_soql(f"SELECT Id FROM {sobject} WHERE {self.cfg.key_field} = {{}} LIMIT 1",
                                             record_key(key)))
        return rows[0]["Id"] if rows else None

    async def find_interaction(self, key: str, contact: CrmContact | None = None) -> str | None:
        # SOQL on an External ID field reads committed rows: no lag to work around.
        return await self._by_key("Task", key)

    async def log_interaction(self, contact: CrmContact, interaction: Interaction) -> str:
        i = interaction
        data = {"Subject": f"{SUBJECTS.get(i.event, i.event)} on {i.network} (@{i.handle})"[:255],
                "Description": "\n\n".join(x for x in (i.text, i.url or "", f"Rejoinder case {i.case_id}") if x),
                "WhoId": contact.id, "Status": "Completed", "ActivityDate": i.at[:10], "Priority": "Normal"}
        if contact.company_id:
            data["WhatId"] = contact.company_id
        return await self._upsert("Task", i.key, data)

    async def _upsert(self, sobject: str, key: str, data: dict) -> str:
        path = f"{self.cfg.key_field}/{record_key(key)}"
        response = await self.call(lambda sf: getattr(sf, sobject).upsert(path, data, raw_response=True))
        if response.status_code == 201:
            return response.json()["id"]
        return await self._by_key(sobject, key) or "exists"  # 204: it existed and was updated in place

    async def open_ticket(self, contact: CrmContact, key: str, subject: str, body: str) -> str:
        tickets = self.cfg.tickets
        data = {"Subject": subject[:255], "Description": body, "ContactId": contact.id, "Origin": "Social",
                "Status": (tickets.open_stage if tickets else None) or "New"}
        if contact.company_id:
            data["AccountId"] = contact.company_id
        return await self._upsert("Case", key, data)

    async def find_ticket(self, key: str, contact: CrmContact | None = None) -> str | None:
        return await self._by_key("Case", key)

    async def close_ticket(self, ticket_id: str) -> None:
        status = (self.cfg.tickets.closed_stage if self.cfg.tickets else None) or "Closed"
        await self.call(lambda sf: sf.Case.update(ticket_id, {"Status": status}))

    async def check(self) -> list[str]:
        from integrations.crm.salesforce.check import problems

        return await problems(self)
