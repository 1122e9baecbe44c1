"""Personal data in an outgoing reply, read on its canonical `clean` view
(full-width digits, invisible characters and the like already undone):

- phone numbers, checked with libphonenumber (`phonenumbers`) whatever the
  separators ("555/234/5678", "5 5 5 2 3 4 5 6 7 8", "+44 (0)20 7946 0958");
- email addresses, also spelled out or bracketed ("jane at gmail dot com",
  "jane [at] gmail [dot] com");
- Luhn-valid payment card numbers with any separators;
- street addresses (addresses.py);
- the customer's own email and phone, however written.

The brand's own contacts (`organisation.contacts`) are never reported. Every
pattern starts only at a word start and is bounded, so a scan is linear; past
`MAX_ITEMS` items of a kind the reply is blocked anyway and scanning stops.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

import phonenumbers

from bot.guardrails.addresses import find_addresses
from bot.guardrails.canonical import Canonical, canonical
from bot.guardrails.contacts import BrandContacts
from bot.guardrails.domains import parts
from bot.intake.flags import luhn_ok
from bot.types import CustomerView

MAX_ITEMS = 20
_SEP = r"(?:[ \t.\-–—/_·•|~*]{1,3}|\s?[()\[\]]\s?|,)"
_NUMBER = re.compile(rf"(?<![\w$€£¥.,/#+-])(?:\+|00)?\s?\(?\d(?:{_SEP}?\d){{6,18}}(?![\d]|[.,]\d)")
_CONTEXT = re.compile(r"(?i)\b(?:call|phone|tel|telephone|text|sms|whats\s?app|mobile|cell|fax|dial|ring|"
                      r"hotline|number|contact|reach|line|signal|telegram)\b")
_NOT_PHONE = re.compile(r"(?i)(?:\b(?:order|ref|reference|ticket|tracking|case|invoice|booking|confirmation|"
                        r"account|acct|flight|serial|sku|item|policy|claim|receipt|transaction|id|no|incident|tag|"
                        r"pnr|locator|record|member|membership|loyalty|rewards|voucher|coupon|promo|model|part|"
                        r"reservation|res|itinerary|conf|batch|lot|imei|vin|tracking)\b[\s.:#-]*"
                        r"(?:no\.?|numbers?|nums?|#|ids?|codes?)?[\s.:#-]*$)")
_LIST_GAP = re.compile(r"\s*(?:[,;&/]|and|or)\s*")
_LETTER_DIGIT = re.compile(r"(?<=\d)[OoIl|](?=[\d \-.]*\d)|(?<=\d[ \-.])[OoIl|](?=\d)")
_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9"}
# Digit words, with groups of digits among them ("four one five 555 ..."); the digits are counted below.
_WORDED = re.compile(r"(?i)(?<![\w])(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d{1,4})(?:[\s,.\-]{1,3}|$)){4,15}")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU", "ES", "IT", "NL", "BR", "MX", "JP")

_EMAIL = re.compile(r"(?<![\w.+@-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}\b")
_OPEN, _CLOSE = r"[\[({<]\s*", r"\s*[\])}>]"
_SPELLED_EMAIL = re.compile(
    # A spaced "@" has space on both sides ("jane @ gmail.com"); "rather @VerizonWireless" is a mention.
    # A spaced dot too ("gmail . com"); "missed @NewsVP. Next" ends a sentence.
    rf"(?i)(?<![\w.+@-])(?P<local>[\w.+-]{{1,64}})(?P<at>\s*{_OPEN}(?:at|@){_CLOSE}\s*|\s+at\s+|\s+@\s+)"
    rf"(?P<domain>[\w-]{{1,63}}(?:(?:\s*{_OPEN}(?:dot|\.){_CLOSE}\s*|\s+dot\s+|\.| \. )[\w-]{{1,63}}){{1,4}})"
)
_AT_HINT = re.compile(rf"(?i)@|{_OPEN}at{_CLOSE}|\sat\s")
_DOT_WORD = re.compile(rf"(?i)\s*{_OPEN}(?:dot|\.){_CLOSE}\s*|\s+dot\s+|\.| \. ")
_MAIL_WORDS = re.compile(r"(?i)\b(?:e-?mail|mail|write to|contact|address|inbox)\b")
_MAIL_HOSTS = frozenset("gmail googlemail yahoo hotmail outlook live msn icloud me aol proton protonmail gmx "
                        "mail yandex zoho fastmail hey tutanota web t-online orange free btinternet".split())


@dataclass(frozen=True)
class PiiItem:
    kind: str  # customer_email, customer_phone, email, phone, card, address
    start: int  # in the original text
    end: int
    masked: str


_NOT_DIGIT = re.compile(r"\D+")
_ANY_DIGIT = re.compile(r"\d")


def _digits(text: str) -> str:
    digits = _NOT_DIGIT.sub("", text)
    return digits if digits.isascii() else "".join(str(int(c)) for c in digits)


def _mask_digits(text: str, keep: int) -> str:
    total = sum(c.isdigit() for c in text)
    seen = 0
    out = []
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else "•")
        else:
            out.append(c)
    return "".join(out)


def mask_email(text: str) -> str:
    local, _, domain = text.rpartition("@")
    return f"{local[:1]}•••@{domain}" if local else "•••"


def scan(text: Canonical | str, customer: CustomerView | None = None,
         contacts: BrandContacts | None = None, links: list[tuple[int, int]] = ()) -> list[PiiItem]:
    """Items in order of appearance; where two overlap, the earlier kind in
    this order wins: customer's own details, email, card, phone, address.
    Numbers inside `links` (spans of the clean view) are parts of the link
    ("recipient_id=1234567890"), not phone or card numbers."""
    if isinstance(text, str):
        text = canonical(text)
    view = text.clean
    own = contacts or BrandContacts()
    found = _customer_items(text, customer) if customer is not None else []
    found += _emails(text, own)
    numbers = _numbers(text, own, sorted(links))
    found += [i for i in numbers if i.kind == "card"] + [i for i in numbers if i.kind == "phone"]
    if _ANY_DIGIT.search(view.text):
        found += [PiiItem("address", *view.span(a, b), masked) for a, b, masked in find_addresses(text.letters)
                  if not own.own_address(text.letters[a:b], text.letters[b:b + 24])]
    kept: list[PiiItem] = []
    taken: list[tuple[int, int]] = []  # sorted, disjoint; each kind stops at MAX_ITEMS, so this stays small
    for item in found:
        k = bisect_left(taken, (item.start, item.end))
        clash = (k > 0 and taken[k - 1][1] > item.start) or (k < len(taken) and taken[k][0] < item.end)
        if not clash:
            insort(taken, (item.start, item.end))
            kept.append(item)
    return sorted(kept, key=lambda i: i.start)


def _emails(text: Canonical, own: BrandContacts) -> list[PiiItem]:
    view = text.clean
    items: list[PiiItem] = []
    letters = text.letters
    if "@" in letters:
        for m in _EMAIL.finditer(letters):
            if not own.own_email(m.group()):
                items.append(PiiItem("email", *view.span(*m.span()), mask_email(view.quote(*m.span()))))
            if len(items) >= MAX_ITEMS:
                return items
    if not _AT_HINT.search(text.letters):
        return items
    for m in _SPELLED_EMAIL.finditer(text.letters):
        if m.group("domain").rsplit(".", 1)[-1].strip().istitle():
            continue  # "@ night. Is there": a sentence, not a domain
        domain = _DOT_WORD.sub(".", m.group("domain")).lower()
        spelled = "." not in m.group("domain") or "dot" in m.group("domain").lower()
        plain_at = m.group("at").strip().lower() == "at"
        name, suffix = parts(domain)
        if not name or (m.group("at").strip() == "@" and "." in m.group("domain") and " " not in m.group()):
            continue  # not a mail domain, or a plain address already found above
        if plain_at and not spelled and domain.split(".")[0] not in _MAIL_HOSTS \
                and not _MAIL_WORDS.search(text.letters, max(0, m.start() - 25), m.start()):
            continue  # "find us at acme.com" is a site, not an address; "email jo at acme.com" is one
        address = f"{m.group('local')}@{domain}"
        if own.own_email(address):
            continue
        start, end = view.span(*m.span())
        items.append(PiiItem("email", start, end, f"{m.group('local')[:1]}••• at {domain}"))
        if len(items) >= MAX_ITEMS:
            break
    return items


def _phone_like(number: str, digits: str, before: str) -> bool:
    if number.lstrip("( ").startswith(("+", "00")):
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse("+" + digits.removeprefix("00"), None))
        except phonenumbers.NumberParseException:
            return False
    if _DATE.fullmatch(number) or len(set(digits)) == 1:
        return False
    context = bool(_CONTEXT.search(before))
    if len(digits) < (7 if context else 9):
        return False
    groups = [g for g in re.split(r"\D+", number) if g]
    if not context and len(digits) < 10 and len(groups) > 1 and any(len(g) < 2 for g in groups[1:]):
        return False  # "1.2.3456789" is a version, "1 2 3 4 5 6 7 8 9" a list, without a word saying "phone"
    return any(_possible(digits, region) for region in _REGIONS)


def _possible(digits: str, region: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(digits, region))
    except phonenumbers.NumberParseException:
        return False


def _as_digits(match: re.Match) -> str:
    return "0" if match.group() in "Oo" else "1"


def _numbers(text: Canonical, own: BrandContacts, links: list[tuple[int, int]]) -> list[PiiItem]:
    view = text.clean
    items: list[PiiItem] = []
    counts = {"card": 0, "phone": 0}
    starts = [a for a, _ in links]
    # "555-O199", "4l11 ...": letters standing for digits between digits (same length, same offsets).
    digits_view = _LETTER_DIGIT.sub(_as_digits, view.text) if _LETTER_DIGIT.search(view.text) else view.text
    items += _worded_phones(text, own)
    last_reference = -1
    for m in _NUMBER.finditer(digits_view):
        k = bisect_right(starts, m.start()) - 1
        if k >= 0 and links[k][0] <= m.start() < links[k][1]:
            continue
        number = m.group().strip()
        digits = _digits(number)
        if len(digits) < 13 and counts["phone"] >= MAX_ITEMS:
            continue  # enough phone numbers to block the reply; only cards are still worth reading
        before = view.text[max(0, m.start() - 30):m.start()]
        listed = last_reference >= 0 and _LIST_GAP.fullmatch(digits_view, last_reference, m.start())
        if (listed or _NOT_PHONE.search(before)) and not number.startswith("+"):
            last_reference = m.end()  # "tag numbers 0016 964012, 0016 964077": the whole list
            continue  # "order #5552345678", "ticket no. 4111…": a reference, not personal data
        kind = None
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits) and digits.strip("0"):
            kind, keep = "card", 4
        elif counts["phone"] < MAX_ITEMS and len(digits) <= 15 and not own.own_phone(digits) \
                and _phone_like(number, digits, before):
            kind, keep = "phone", 2
        if kind and counts[kind] < MAX_ITEMS:
            counts[kind] += 1
            at = m.start() + (len(m.group()) - len(m.group().lstrip()))
            start, end = view.span(at, m.end())
            # Masked as read ("555-O199" shows as "•••-••99"); the span still points at what was written.
            shown = text.original[start:end] if digits_view is view.text else digits_view[at:m.end()]
            items.append(PiiItem(kind, start, end, _mask_digits(shown, keep)))
    return items


def _worded_phones(text: Canonical, own: BrandContacts) -> list[PiiItem]:
    """"five five five, two three four, five six seven eight": a number written in words."""
    view = text.clean
    if not _WORDED.search(view.text):
        return []
    items = []
    for m in _WORDED.finditer(view.text):
        words = re.findall(r"(?i)[a-z]+|\d", m.group())
        if sum(w.isalpha() for w in words) < 3:
            continue  # digits alone are read by the number scan
        digits = "".join(_DIGIT_WORDS.get(w.lower(), w) for w in words)
        before = view.text[max(0, m.start() - 30):m.start()]
        if len(digits) < (7 if _CONTEXT.search(before) else 9):
            continue
        if not own.own_phone(digits) and any(_possible(digits, r) for r in _REGIONS):
            start, end = view.span(m.start(), m.end())
            items.append(PiiItem("phone", start, end, "a number written in words"))
        if len(items) >= MAX_ITEMS:
            break
    return items


def _customer_email_pattern(email: str) -> re.Pattern[str] | None:
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or "." not in domain or "•" in email or "*" in email:
        return None
    at_sep = r"(?:\s*@\s*|\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+)"
    dot_sep = r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+)"

    def dotted(part: str) -> str:
        return dot_sep.join(re.escape(p) for p in part.split("."))

    body = dotted(local) + at_sep + dotted(domain)
    return re.compile(r"(?<![\w.+-])" + body + r"(?![\w-])", re.IGNORECASE)


_DIGIT_RUN = re.compile(r"(?<![\d])\+?\(?\d(?:[ ().\-/_]{0,2}\d){5,18}")


def _customer_items(text: Canonical, customer: CustomerView) -> list[PiiItem]:
    view = text.clean
    items = []
    pattern = _customer_email_pattern(customer.email) if customer.email else None
    if pattern:
        for m in pattern.finditer(view.text):
            items.append(PiiItem("customer_email", *view.span(*m.span()), mask_email(customer.email or "")))
            if len(items) >= MAX_ITEMS:
                break
    known = _digits(customer.phone or "")
    if len(known) >= 7 and "•" not in (customer.phone or ""):
        national = known[-10:]
        for m in _DIGIT_RUN.finditer(view.text):
            found = _digits(m.group())
            if national in found or (len(found) >= 7 and national.endswith(found)):
                start, end = view.span(*m.span())
                items.append(PiiItem("customer_phone", start, end, _mask_digits(text.original[start:end], 2)))
                if len(items) >= 2 * MAX_ITEMS:
                    break
    return items
