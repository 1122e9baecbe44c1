"""The brand's own contact details (`organisation.contacts`): its hotline
numbers, addresses and sites are what a support reply is meant to share, so
they never count as personal data or as foreign links."""
from __future__ import annotations

import phonenumbers

from bot.guardrails.domains import registrable


def national_digits(number: str, region: str = "US") -> str | None:
    """The national significant number ("2079460958") of a number written any
    way, or None when it is not a phone number at all."""
    try:
        parsed = phonenumbers.parse(number, None if number.strip().startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    return str(parsed.national_number) if phonenumbers.is_possible_number(parsed) else None


class BrandContacts:
    def __init__(self, phones=(), emails=(), domains=(), region: str = "US") -> None:
        self.phones = {d for d in (national_digits(p, region) for p in phones) if d}
        self.emails = {e.strip().lower() for e in emails if e.strip()}
        self.domains = tuple(d for d in (_host_of(x) for x in domains) if d)
        self.domains += tuple(e.rpartition("@")[2] for e in self.emails if "@" in e)

    def own_phone(self, digits: str) -> bool:
        """`digits` (all digits of a number as written, country code or trunk
        0 included) is one of ours."""
        return any(digits.endswith(own) for own in self.phones)

    def own_email(self, address: str) -> bool:
        address = address.lower()
        return address in self.emails or self.own_host(address.rpartition("@")[2])

    def own_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _host_of(entry: str) -> str:
    host = entry.strip().lower().split("://")[-1].split("/")[0].split(":")[0].removeprefix("*.").strip(".")
    return host if registrable(host) else ""
