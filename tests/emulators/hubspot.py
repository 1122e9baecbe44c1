"""A local HubSpot CRM for tests, on 127.0.0.1, driven through the official
hubspot-api-client (its Configuration takes the host). It keeps contacts,
companies, deals, tickets, notes, owners, properties and associations in
memory, and serves the endpoints in `hubspot_spec` (each request is checked
against them: `violations` must stay empty) with cursor pagination
(`after`), a private app's bearer token, unique-value properties (a
duplicate create answers 409), search that trails writes (`search_lag`:
HubSpot documents that new and updated objects take a few seconds to reach
search results), the ten-secondly rate limit (429 with
HubSpot's policy headers and body), and scripted trouble (`fail_next`: a
429 with Retry-After, a 5xx, or an answer lost after the write happened)."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from datetime import datetime, timezone

from aiohttp import web

from tests.emulators.hubspot_spec import violations
from tests.emulators.scripted import ScriptedServer

TYPES = ("contacts", "companies", "deals", "tickets", "notes")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class HubSpotEmulator(ScriptedServer):
    def __init__(self, token: str = "pat-test", page_size: int = 2, limit: tuple[int, float] | None = None) -> None:
        super().__init__()
        self.token, self.page_size = token, page_size  # small pages, so clients must follow `after`
        self.limit, self.window = limit, deque()  # (requests, per seconds): the private app's rolling limit
        self.objects: dict[str, dict[str, dict]] = {t: {} for t in TYPES}
        self.assoc: set[tuple[str, str, str, str, int]] = set()  # (from type, from id, to type, to id, type id)
        self.owners: dict[str, dict] = {}
        self.properties: dict[str, dict[str, dict]] = {t: {} for t in TYPES}
        self.violations: list[str] = []
        self.retry_after: str | None = None  # sent with scripted 429s
        self.daily_left: int | None = None  # the account's daily API calls left; 0: every call answers 429 DAILY
        self.holds: dict[str, int] = {}  # route -> how many answers to hold for ever, after doing the work
        self._ids = itertools.count(1001)
        self.search_lag = 0.0  # seconds before an object created over the API shows in search
        self._indexed: dict[str, float] = {}  # object id -> when search sees it
        for name in ("firstname", "lastname", "email", "associatedcompanyid", "hubspot_owner_id", "total_revenue"):
            self.define("contacts", name)
        self.define("companies", "name")
        self.define("companies", "tier")

    # -- data --------------------------------------------------------------

    def define(self, object_type: str, name: str, unique: bool = False) -> None:
        self.properties[object_type][name] = {
            "name": name, "label": name, "type": "string", "fieldType": "text", "groupName": "rejoinder",
            "description": "", "options": [], "hasUniqueValue": unique}

    def add(self, object_type: str, **properties) -> str:
        obj_id = str(next(self._ids))
        stamp = _now()
        self.objects[object_type][obj_id] = {"id": obj_id, "properties": {k: (None if v is None else str(v))
                                             for k, v in properties.items()}, "createdAt": stamp, "updatedAt": stamp,
                                             "archived": False}
        return obj_id

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        self.assoc.add((from_type, from_id, to_type, to_id, type_id))

    def add_owner(self, first: str, last: str, email: str) -> str:
        owner_id = str(next(self._ids))
        self.owners[owner_id] = {"id": owner_id, "firstName": first, "lastName": last, "email": email,
                                 "type": "PERSON", "archived": False, "createdAt": _now(), "updatedAt": _now()}
        return owner_id

    def associated(self, from_type: str, from_id: str, to_type: str) -> list[str]:
        out = [b for (ft, fi, tt, b, _) in self.assoc if (ft, fi, tt) == (from_type, from_id, to_type)]
        out += [a for (ft, a, tt, ti, _) in self.assoc if (ft, tt, ti) == (to_type, from_type, from_id)]
        return sorted(set(out), key=int)

    def notes_on(self, contact_id: str) -> list[dict]:
        return [self.objects["notes"][n] for n in self.associated("contacts", contact_id, "notes")]

    # -- plumbing ----------------------------------------------------------

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("*", "/{tail:.*}", self.dispatch)

    def _error(self, status: int, message: str, category: str, **extra) -> web.Response:
        return web.json_response({"status": "error", "message": message, "category": category,
                                  "correlationId": "00000000-0000-0000-0000-000000000000", **extra}, status=status)

    def _rate_limited(self) -> web.Response | None:
        if self.daily_left is not None:
            if self.daily_left <= 0:
                return web.json_response({"status": "error", "message": "You have reached your daily limit.",
                                          "errorType": "RATE_LIMIT", "policyName": "DAILY", "correlationId": "0"},
                                         status=429, headers={"X-HubSpot-RateLimit-Daily": "250000",
                                                              "X-HubSpot-RateLimit-Daily-Remaining": "0"})
            self.daily_left -= 1
        if self.limit is None:
            return None
        requests, per = self.limit
        now = time.monotonic()
        while self.window and now - self.window[0] >= per:
            self.window.popleft()
        headers = {"X-HubSpot-RateLimit-Max": str(requests), "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(per * 1000))}
        if len(self.window) >= requests:
            return web.json_response({"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                                      "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING",
                                      "correlationId": "0"}, status=429, headers={**headers, "X-HubSpot-RateLimit-Remaining": "0"})
        self.window.append(now)
        return None

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.violations += violations(request.method, request.path, body)
        response = await self._answer(request, body)
        await self._log(request, response.status)
        return response

    async def _answer(self, request: web.Request, body) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        limited = self._rate_limited()
        if limited is not None:
            return limited
        failure = self._failure(f"{request.method} {request.path}")
        if failure is not None and not failure.after_commit:
            return self._failed(failure)
        response = self._route(request, body)
        route = f"{request.method} {request.path}"
        if self.holds.get(route):
            # The write is done but its answer never comes: the caller is killed while it waits.
            self.holds[route] -= 1
            await self._notify()
            await asyncio.Event().wait()
        return self._failed(failure) if failure is not None else response

    def _failed(self, failure) -> web.Response:
        if failure.status == 429:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"status": "error", "message": "You have reached your secondly limit.",
                                      "errorType": "RATE_LIMIT", "policyName": "SECONDLY", "correlationId": "0"},
                                     status=429, headers={**headers, "X-HubSpot-RateLimit-Interval-Milliseconds": "1000"})
        return self._error(failure.status, "internal error", "INTERNAL_ERROR")

    def _route(self, request: web.Request, body) -> web.Response:
        parts = request.path.strip("/").split("/")
        q = request.query
        match parts:
            case ["crm", "v3", "objects", t, "search"] if request.method == "POST":
                return self.search(t, body)
            case ["crm", "v3", "objects", t, "batch", "read"] if request.method == "POST":
                return self.batch_read(t, body)
            case ["crm", "v3", "objects", t] if request.method == "POST":
                return self.create(t, body)
            case ["crm", "v3", "objects", t, obj_id] if request.method == "GET":
                return self.read(t, obj_id, q)
            case ["crm", "v3", "objects", t, obj_id] if request.method == "PATCH":
                return self.update(t, obj_id, body)
            case ["crm", "v4", "objects", t, obj_id, "associations", to_type]:
                return self.associations(t, obj_id, to_type, q)
            case ["crm", "v3", "owners", owner_id]:
                owner = self.owners.get(owner_id)
                return web.json_response(owner) if owner else self._error(404, "no such owner", "OBJECT_NOT_FOUND")
            case ["crm", "v3", "properties", t, name]:
                prop = self.properties.get(t, {}).get(name)
                return web.json_response(prop) if prop else self._error(404, f"property {name} does not exist", "OBJECT_NOT_FOUND")
        return self._error(404, f"no route {request.method} {request.path}", "OBJECT_NOT_FOUND")

    # -- endpoints ---------------------------------------------------------

    def _view(self, obj: dict, properties: list[str] | None) -> dict:
        props = obj["properties"] if properties is None else {k: obj["properties"].get(k) for k in properties}
        return {**obj, "properties": {**props, "hs_object_id": obj["id"]}}

    def _unknown(self, object_type: str) -> web.Response | None:
        return None if object_type in self.objects else self._error(400, f"unknown object type {object_type}", "VALIDATION_ERROR")

    def read(self, object_type: str, obj_id: str, q) -> web.Response:
        if (bad := self._unknown(object_type)) is not None:
            return bad
        by = q.get("idProperty")
        if by and not (self.properties[object_type].get(by) or {}).get("hasUniqueValue") and by != "hs_object_id":
            return self._error(400, f"{by} is not a unique property", "VALIDATION_ERROR")
        found = next((o for o in self.objects[object_type].values() if o["properties"].get(by) == obj_id), None) if by \
            else self.objects[object_type].get(obj_id)
        if found is None:
            return self._error(404, "Object not found", "OBJECT_NOT_FOUND")
        wanted = [name for value in q.getall("properties", []) for name in value.split(",")]  # repeated or comma-joined
        return web.json_response(self._view(found, wanted or None))

    def create(self, object_type: str, body: dict) -> web.Response:
        if (bad := self._unknown(object_type)) is not None:
            return bad
        props = body.get("properties") or {}
        for name, value in props.items():
            spec = self.properties[object_type].get(name)
            if spec and spec["hasUniqueValue"] and any(o["properties"].get(name) == value
                                                       for o in self.objects[object_type].values()):
                return self._error(409, f"A {object_type[:-1]} with {name}={value} already exists", "CONFLICT")
        obj_id = self.add(object_type, **props)
        self._indexed[obj_id] = time.monotonic() + self.search_lag
        for a in body.get("associations") or []:
            for kind in a["types"]:
                to_type = {202: "contacts", 190: "companies", 16: "contacts", 339: "companies"}.get(kind["associationTypeId"], "?")
                self.associate(object_type, obj_id, to_type, str(a["to"]["id"]), kind["associationTypeId"])
        return web.json_response(self._view(self.objects[object_type][obj_id], None), status=201)

    def update(self, object_type: str, obj_id: str, body: dict) -> web.Response:
        obj = self.objects.get(object_type, {}).get(obj_id)
        if obj is None:
            return self._error(404, "Object not found", "OBJECT_NOT_FOUND")
        obj["properties"].update({k: str(v) for k, v in body["properties"].items()})
        obj["updatedAt"] = _now()
        return web.json_response(self._view(obj, None))

    def search(self, object_type: str, body: dict) -> web.Response:
        if (bad := self._unknown(object_type)) is not None:
            return bad

        def holds(obj: dict, f: dict) -> bool:
            value = obj["properties"].get(f["propertyName"])
            if f["operator"] == "EQ":
                return value is not None and str(value).casefold() == str(f.get("value")).casefold()
            if f["operator"] == "HAS_PROPERTY":
                return value not in (None, "")
            raise ValueError(f"operator {f['operator']} is not emulated")

        groups = body.get("filterGroups") or []
        now = time.monotonic()
        found = [o for o in self.objects[object_type].values() if self._indexed.get(o["id"], 0.0) <= now
                 if not groups or any(all(holds(o, f) for f in g["filters"]) for g in groups)]
        start, limit = int(body.get("after") or 0), min(int(body.get("limit") or 10), self.page_size)
        page = found[start:start + limit]
        result = {"total": len(found), "results": [self._view(o, body.get("properties")) for o in page]}
        if start + limit < len(found):
            result["paging"] = {"next": {"after": str(start + limit)}}
        return web.json_response(result)

    def batch_read(self, object_type: str, body: dict) -> web.Response:
        objs = [self.objects[object_type][i["id"]] for i in body["inputs"] if i["id"] in self.objects[object_type]]
        return web.json_response({"status": "COMPLETE", "startedAt": _now(), "completedAt": _now(),
                                  "results": [self._view(o, body.get("properties")) for o in objs]})

    def associations(self, object_type: str, obj_id: str, to_type: str, q) -> web.Response:
        ids = self.associated(object_type, obj_id, to_type)
        start, limit = int(q.get("after") or 0), min(int(q.get("limit") or 500), self.page_size)
        result = {"results": [{"toObjectId": int(i), "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": 0, "label": None}]} for i in ids[start:start + limit]]}
        if start + limit < len(ids):
            result["paging"] = {"next": {"after": str(start + limit), "link": None}}
        return web.json_response(result)


def seed_json(emulator: HubSpotEmulator) -> str:
    """The emulator's state as JSON (for tests that compare before and after)."""
    return json.dumps({t: sorted(emulator.objects[t]) for t in TYPES})
