"""The HubSpot CRM operations the emulator serves, written down from
HubSpot's published OpenAPI descriptions (HubSpot-public-api-spec-collection:
CRM/Objects v3 notes/contacts/companies/deals/tickets, CRM/Associations v4,
CRM/Owners v3, CRM/Properties v3). Those files are not licensed for copying,
so only what requests are checked against is restated here: each operation's
method and path, and the required members of its request body, as the specs
mark them. A request that matches no operation, or lacks a required member,
is a violation the tests assert never happens."""
from __future__ import annotations

import re

# (method, path template, required top-level body members)
OPERATIONS = [
    ("GET", "/crm/v3/objects/{objectType}/{objectId}", None),
    ("PATCH", "/crm/v3/objects/{objectType}/{objectId}", ("properties",)),  # SimplePublicObjectInput
    ("POST", "/crm/v3/objects/{objectType}", ("associations", "properties")),  # SimplePublicObjectInputForCreate
    ("POST", "/crm/v3/objects/{objectType}/search", ("after", "filterGroups", "limit", "properties", "sorts")),
    ("POST", "/crm/v3/objects/{objectType}/batch/read", ("inputs", "properties", "propertiesWithHistory")),
    ("GET", "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}", None),
    ("GET", "/crm/v3/owners/{ownerId}", None),
    ("GET", "/crm/v3/properties/{objectType}/{propertyName}", None),
]
# Nested members the specs require: Filter, FilterGroup, PublicAssociationsForObject, AssociationSpec, PublicObjectId.
NESTED = {
    "filterGroups": ("filters",),
    "filters": ("operator", "propertyName"),
    "associations": ("to", "types"),
    "types": ("associationCategory", "associationTypeId"),
    "inputs": ("id",),
}
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}


def _pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[A-Za-z]+\}", r"[^/]+", template) + "$")


_COMPILED = [(m, _pattern(p), p, req) for m, p, req in OPERATIONS]


def operation(method: str, path: str) -> tuple[str, tuple | None] | None:
    # Longer templates first, so ".../search" is not read as an object id.
    for m, pattern, template, required in sorted(_COMPILED, key=lambda op: -len(op[2])):
        if m == method and pattern.match(path):
            return template, required
    return None


def _nested(name: str, value, where: str) -> list[str]:
    out = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            out += _nested(name, item, f"{where}[{i}]")
    elif isinstance(value, dict) and name in NESTED:
        out += [f"{where}: missing {k}" for k in NESTED[name] if k not in value]
        for key, inner in value.items():
            out += _nested(key, inner, f"{where}.{key}")
        if name == "filters" and value.get("operator") not in OPERATORS:
            out.append(f"{where}: unknown operator {value.get('operator')!r}")
    return out


def violations(method: str, path: str, body) -> list[str]:
    found = operation(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in the HubSpot spec"]
    template, required = found
    if required is None:
        return []
    if not isinstance(body, dict):
        return [f"{method} {template}: the body must be a JSON object"]
    out = [f"{method} {template}: missing {k}" for k in required if k not in body]
    for key, value in body.items():
        out += _nested(key, value, f"{method} {template} {key}")
    return out
