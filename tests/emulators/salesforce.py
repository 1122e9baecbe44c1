"""A local Salesforce for tests, over HTTPS on 127.0.0.1 (simple-salesforce
only speaks https): the OAuth token endpoint (refresh-token and JWT bearer
grants), SOQL queries with nextRecordsUrl pagination, sObject describe,
upsert by External ID and update, as documented in the REST API Developer
Guide. Every answer carries Sforce-Limit-Info; access tokens can be expired
(`expire_tokens`: the next call answers 401 INVALID_SESSION_ID), and
`fail_next` scripts 5xx or 403 REQUEST_LIMIT_EXCEEDED. Queries and writes
naming a field the object does not have answer INVALID_FIELD, like the real
thing."""
from __future__ import annotations

import asyncio
import itertools
import ssl
from datetime import datetime, timezone

import jwt
from aiohttp import web

from tests.emulators.salesforce_soql import SoqlError, parse
from tests.emulators.scripted import ScriptedServer

FIELDS = {
    "Contact": ["Id", "Name", "FirstName", "LastName", "Email", "AccountId", "OwnerId", "Twitter_Handle__c"],
    "Account": ["Id", "Name", "Rating", "OwnerId"],
    "Opportunity": ["Id", "Name", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "AccountId"],
    "Case": ["Id", "CaseNumber", "Subject", "Description", "Status", "IsClosed", "CreatedDate", "ContactId",
             "AccountId", "Origin"],
    "Task": ["Id", "Subject", "Description", "WhoId", "WhatId", "Status", "ActivityDate", "Priority"],
    "User": ["Id", "Name"],
}
RELATIONS = {"Account": ("AccountId", "Account"), "Owner": ("OwnerId", "User"), "Who": ("WhoId", "Contact")}
ERRORS = {403: [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
          500: [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}],
          503: [{"message": "Server unavailable.", "errorCode": "SERVER_UNAVAILABLE"}]}


class SalesforceEmulator(ScriptedServer):
    def __init__(self, ssl_context: ssl.SSLContext, version: str = "62.0", page_size: int = 2) -> None:
        super().__init__()
        self.ssl_context, self.version, self.page_size = ssl_context, version, page_size
        self.records: dict[str, dict[str, dict]] = {name: {} for name in FIELDS}
        self.fields = {name: list(fields) for name, fields in FIELDS.items()}
        self.external_ids: dict[str, set[str]] = {name: set() for name in FIELDS}
        self.clients: dict[str, dict] = {}  # client id -> {"secret", "refresh_token", "public_key", "username"}
        self.tokens: set[str] = set()
        self.cursors: dict[str, list[dict]] = {}
        self.api_used, self.api_total = 0, 15000
        self.holds: dict[str, int] = {}  # route -> answers to hold for ever after doing the work
        self._ids = itertools.count(1)

    async def start(self):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context).start()
        self.port = self._runner.addresses[0][1]
        return self

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    # -- data --------------------------------------------------------------

    def define(self, sobject: str, field: str, external_id: bool = False) -> None:
        self.fields[sobject].append(field)
        if external_id:
            self.external_ids[sobject].add(field)

    def add(self, sobject: str, **values) -> str:
        prefix = {"Contact": "003", "Account": "001", "Opportunity": "006", "Case": "500", "Task": "00T", "User": "005"}[sobject]
        record_id = f"{prefix}{next(self._ids):015d}"
        record = {f: None for f in self.fields[sobject]} | values | {"Id": record_id}
        if sobject == "Case":
            record.setdefault("CaseNumber", f"{len(self.records['Case']) + 1:08d}")
            record["CreatedDate"] = record.get("CreatedDate") or datetime.now(timezone.utc).isoformat()
            record["IsClosed"] = record.get("Status") == "Closed"
        if sobject == "Contact" and not values.get("Name"):
            record["Name"] = " ".join(x for x in (values.get("FirstName"), values.get("LastName")) if x)
        self.records[sobject][record_id] = record
        return record_id

    def add_client(self, client_id: str, **details) -> None:
        self.clients[client_id] = details

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def tasks_on(self, contact_id: str) -> list[dict]:
        return [t for t in self.records["Task"].values() if t.get("WhoId") == contact_id]

    # -- plumbing ----------------------------------------------------------

    def _error(self, status: int, code: str, message: str) -> web.Response:
        return web.json_response([{"message": message, "errorCode": code}], status=status, headers=self._limits())

    def _limits(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_total}"}

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        response = await self._answer(request)
        route = f"{request.method} {request.path.rstrip('/')}"
        if self.holds.get(route):  # done, but the answer never comes: the caller is killed waiting
            self.holds[route] -= 1
            await self._notify()
            await asyncio.Event().wait()
        await self._log(request, response.status)
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            return self.token(await request.post())
        if request.headers.get("Authorization", "")[7:] not in self.tokens:
            return self._error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        failure = self._failure(f"{request.method} {request.path.rstrip('/')}")
        if failure is not None:
            return web.json_response(ERRORS.get(failure.status, ERRORS[500]), status=failure.status)
        self.api_used += 1
        base = f"/services/data/v{self.version}/"
        if not request.path.startswith(base):
            return self._error(404, "NOT_FOUND", "The requested resource does not exist")
        parts = request.path[len(base):].rstrip("/").split("/")
        try:
            match parts:
                case ["query"]:
                    return self.query(request.query.get("q", ""))
                case ["query", locator]:
                    return self.page(locator)
                case ["sobjects", sobject, "describe"]:
                    return self.describe(sobject)
                case ["sobjects", sobject, field, value] if request.method == "PATCH":
                    return self.upsert(sobject, field, value, await request.json())
                case ["sobjects", sobject, record_id] if request.method == "PATCH":
                    return self.update(sobject, record_id, await request.json())
        except SoqlError as exc:
            return self._error(400, exc.code, str(exc))
        return self._error(404, "NOT_FOUND", "The requested resource does not exist")

    # -- endpoints ---------------------------------------------------------

    def token(self, form) -> web.Response:
        grant, client = form.get("grant_type"), None
        if grant == "refresh_token":
            client = self.clients.get(form.get("client_id"))
            if not client or client.get("secret") != form.get("client_secret") or \
                    client.get("refresh_token") != form.get("refresh_token"):
                return web.json_response({"error": "invalid_grant", "error_description": "expired access/refresh token"},
                                         status=400)
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
                client = self.clients.get(claims.get("iss"))
                jwt.decode(form["assertion"], client["public_key"], algorithms=["RS256"], audience=claims.get("aud"))
                assert claims.get("sub") == client.get("username")
            except Exception:  # noqa: BLE001 - any bad assertion is one answer
                return web.json_response({"error": "invalid_grant", "error_description": "invalid assertion"}, status=400)
        else:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = f"00Dtest!{next(self._ids)}"
        self.tokens.add(token)
        return web.json_response({"access_token": token, "instance_url": self.url, "token_type": "Bearer",
                                  "issued_at": "0", "signature": "x"})

    def _check_field(self, sobject: str, path: str) -> None:
        obj = sobject
        for rel in path.split(".")[:-1]:
            if rel not in RELATIONS:
                raise SoqlError("INVALID_FIELD", f"No such relation '{rel}' on entity '{obj}'")
            obj = RELATIONS[rel][1]
        if path.split(".")[-1] not in self.fields[obj]:
            raise SoqlError("INVALID_FIELD", f"No such column '{path.split('.')[-1]}' on entity '{obj}'")

    def _get(self, record: dict, path: str):
        for rel in path.split(".")[:-1]:
            fk, obj = RELATIONS[rel]
            record = self.records[obj].get(record.get(fk) or "") or {}
        return record.get(path.split(".")[-1])

    def _render(self, sobject: str, record: dict, fields: list[str]) -> dict:
        out = {"attributes": {"type": sobject, "url": f"/services/data/v{self.version}/sobjects/{sobject}/{record['Id']}"}}
        for path in fields:
            node, obj, rec = out, sobject, record
            parts = path.split(".")
            for rel in parts[:-1]:
                fk, obj = RELATIONS[rel]
                rec = self.records[obj].get(rec.get(fk) or "") or {}
                node = node.setdefault(rel, {"attributes": {"type": obj}})
            node[parts[-1]] = rec.get(parts[-1])
        return out

    def query(self, soql: str) -> web.Response:
        q = parse(soql)
        if q.obj not in self.records:
            raise SoqlError("INVALID_TYPE", f"sObject type '{q.obj}' is not supported.")
        for path in q.fields + [f for f, _ in q.where] + ([q.order] if q.order else []):
            self._check_field(q.obj, path)

        def holds(record: dict) -> bool:
            return all(any(str(self._get(record, f) or "").casefold() == str(v).casefold() if isinstance(v, str)
                           else self._get(record, f) == v for v in values) for f, values in q.where)

        found = [r for r in self.records[q.obj].values() if holds(r)]
        if q.order:
            found.sort(key=lambda r: str(self._get(r, q.order) or ""), reverse=q.descending)
        found = found[:q.limit] if q.limit is not None else found
        rendered = [self._render(q.obj, r, q.fields) for r in found]
        locator = f"01g{next(self._ids):015d}"
        self.cursors[locator] = rendered
        return self.page(f"{locator}-0")

    def page(self, locator: str) -> web.Response:
        cursor, _, start = locator.partition("-")
        rows = self.cursors.get(cursor)
        if rows is None:
            return self._error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        start = int(start or 0)
        body = {"totalSize": len(rows), "done": start + self.page_size >= len(rows),
                "records": rows[start:start + self.page_size]}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{self.version}/query/{cursor}-{start + self.page_size}"
        return web.json_response(body, headers=self._limits())

    def describe(self, sobject: str) -> web.Response:
        if sobject not in self.fields:
            return self._error(404, "NOT_FOUND", "The requested resource does not exist")
        return web.json_response({"name": sobject, "createable": True, "fields": [
            {"name": f, "type": "string", "externalId": f in self.external_ids[sobject]} for f in self.fields[sobject]]},
            headers=self._limits())

    def _writable(self, sobject: str, body: dict) -> None:
        for name in body:
            if name not in self.fields[sobject]:
                raise SoqlError("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")

    def upsert(self, sobject: str, field: str, value: str, body: dict) -> web.Response:
        if field not in self.external_ids.get(sobject, ()):
            return self._error(400, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}")
        self._writable(sobject, body)
        existing = next((r for r in self.records[sobject].values() if r.get(field) == value), None)
        if existing is not None:
            existing.update(body)
            return web.Response(status=204, headers=self._limits())
        record_id = self.add(sobject, **body, **{field: value})
        return web.json_response({"id": record_id, "success": True, "errors": [], "created": True}, status=201,
                                 headers=self._limits())

    def update(self, sobject: str, record_id: str, body: dict) -> web.Response:
        record = self.records.get(sobject, {}).get(record_id)
        if record is None:
            return self._error(404, "NOT_FOUND", "The requested resource does not exist")
        self._writable(sobject, body)
        record.update(body)
        if sobject == "Case":
            record["IsClosed"] = record.get("Status") == "Closed"
        return web.Response(status=204, headers=self._limits())
