"""The brand's own contact details (`organisation.contacts`): its hotline
numbers, addresses and sites are what a support reply is meant to share, so
they never count as personal data or as foreign links."""
from __future__ import annotations

import re
import unicodedata

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


# Street types as written short and long, so "350 Fifth Ave" is the declared "350 Fifth Avenue".
_SHORT = {"st": "street", "ave": "avenue", "av": "avenue", "rd": "road", "blvd": "boulevard", "bd": "boulevard",
          "ln": "lane", "dr": "drive", "ct": "court", "pl": "place", "sq": "square", "pkwy": "parkway",
          "hwy": "highway", "str": "strasse", "straße": "strasse"}

_UNIT = re.compile(r"\W*((?:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|#)\.?\s*\w+)", re.IGNORECASE)


def address_words(text: str) -> str:
    """An address as comparable words: case, accents, punctuation and short street types evened out."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ß", "ss")
    words = re.findall(r"\w+", folded)
    return " ".join(_SHORT.get(w, w) for w in words)


class BrandContacts:
    def __init__(self, phones=(), emails=(), domains=(), region: str = "US", addresses=()) -> None:
        self.phones = {d for d in (national_digits(p, region) for p in phones) if d}
        self.addresses = tuple(f" {a} " for a in (address_words(x) for x in addresses) if a)
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

    def own_address(self, found: str, after: str = "") -> bool:
        """`found` (a street address or postcode as detected in a reply) is part of one of ours. An
        apartment or unit right `after` it that ours does not have makes it someone's home in our building."""
        words = f" {address_words(found)} "
        unit = _UNIT.match(after)
        if unit:
            words = f" {address_words(found + ' ' + unit.group(1))} "
        return words.strip() != "" and any(words in own for own in self.addresses)

    def own_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _host_of(entry: str) -> str:
    host = entry.strip().lower().split("://")[-1].split("/")[0].split(":")[0].removeprefix("*.").strip(".")
    return host if registrable(host) else ""
