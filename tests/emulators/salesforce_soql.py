"""The SOQL the emulator understands: what the connector sends, and no more.
SELECT fields (relationship paths like Account.Owner.Name) FROM object
WHERE conditions joined by AND (field = value, field IN (values))
[ORDER BY field [ASC|DESC]] [LIMIT n]. Anything else is a MALFORMED_QUERY,
as a field the object does not have is an INVALID_FIELD."""
from __future__ import annotations

import re
from dataclasses import dataclass

_QUERY = re.compile(r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
                    r"(?:\s+ORDER\s+BY\s+(?P<order>[\w.]+)(?:\s+(?P<dir>ASC|DESC))?)?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
                    re.I | re.S)
_VALUE = r"'(?:[^'\\]|\\.)*'|null|true|false|-?\d+(?:\.\d+)?"
_TERM = re.compile(rf"^(?P<field>[\w.]+)\s*(?:(?P<eq>=)\s*(?P<value>{_VALUE})|IN\s*\((?P<values>(?:\s*(?:{_VALUE})\s*,?)*)\))$", re.I)


ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


class SoqlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    fields: list[str]
    obj: str
    where: list[tuple[str, list]]  # (field, allowed values)
    order: str | None
    descending: bool
    limit: int | None


def _value(text: str):
    if text.startswith("'"):  # SOQL's escape sequences
        return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1], flags=re.S)
    if text.lower() == "null":
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return float(text) if "." in text else int(text)


def parse(soql: str) -> Query:
    m = _QUERY.match(soql.strip())
    if not m:
        raise SoqlError("MALFORMED_QUERY", f"unexpected query: {soql[:80]}")
    where = []
    for term in re.split(r"\s+AND\s+", m.group("where") or "", flags=re.I) if m.group("where") else []:
        t = _TERM.match(term.strip())
        if not t:
            raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {term[:80]}")
        values = [_value(t.group("value"))] if t.group("eq") else [_value(v) for v in re.findall(_VALUE, t.group("values"))]
        where.append((t.group("field"), values))
    return Query([f.strip() for f in m.group("fields").split(",")], m.group("obj"), where, m.group("order"),
                 (m.group("dir") or "").upper() == "DESC", int(m.group("limit")) if m.group("limit") else None)
