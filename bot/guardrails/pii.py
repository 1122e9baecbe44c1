"""Personal data in an outgoing reply: email addresses, phone numbers, payment
card numbers, street addresses, and the customer's own contact details even
when written differently ("jo at example dot com", "555.123.4567")."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intake.flags import luhn_ok
from bot.types import CustomerView

# Not inside a longer number, price, order number or word. The lookahead in
# front lets the regex engine skip quickly to candidate characters.
_EDGE = r"(?=[\d(+])(?<![\w#$.,/+-])"
_END = r"(?![\w-]|[.,/]\d)"

_EMAIL = re.compile(r"(?<![\w.+@-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PHONES = [
    # International: +44 20 7946 0958, +1 (555) 123-4567, +33 (0)1 23 45 67 89
    re.compile(_EDGE + r"\+\d{1,3}(?:[ .\-]?\(?\d{1,5}\)?){1,6}" + _END),
    # US: 1-800-555-0199, (555) 123-4567, 555.123.4567, 555 123 4567
    re.compile(_EDGE + r"(?:1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}" + _END),
    # National numbers with a trunk 0: 020 7946 0958, 07700 900123
    re.compile(_EDGE + r"0\d{2,4}[ \-]?\d{3,4}[ \-]?\d{3,4}" + _END),
]
# Plain digit runs and short local numbers count only after a word that says "phone".
_PHONE_WORDS = ("call", "phone", "tel", "text", "sms", "whatsapp", "mobile", "cell", "fax", "dial", "ring")
_PHONE_CONTEXT = re.compile(
    r"(?i)\b(?:call|phone|tel|telephone|text|sms|whatsapp|mobile|cell|fax|dial|ring)\b"
    r"(?:\s*(?:us|me|them|on|at|number|no\.|:|-))*\s*"
    r"(\(?\d[\d ().\-]{5,18}\d)" + _END
)
_CARD = re.compile(r"(?=[2-6])(?<![\w#$.,])[2-6](?:[ \-]?\d){12,18}" + r"(?![\w]|[.,]\d)")
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    "Terrace|Way|Square|Sq|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Circle|Row|Mews|Alley|Trail|Plaza"
)
_ADDRESS = re.compile(
    r"(?=\d)(?<![\w#$.,])\d{1,5}[A-Za-z]?(?:-\d{1,5})?\s+"
    r"(?:(?:[A-Z][\w'’-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,4}?"
    rf"(?i:{_STREET_TYPES})\b\.?"
)
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d ().\-]{5,}\d")


@dataclass(frozen=True)
class PiiItem:
    kind: str  # customer_email, customer_phone, email, phone, card, address
    start: int
    end: int
    masked: str


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


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


def _customer_email_pattern(email: str) -> re.Pattern[str] | None:
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or "." not in domain or "•" in email or "*" in email:
        return None
    at_sep = r"(?:@|\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+)"
    dot_sep = r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+)"

    def dotted(part: str) -> str:
        return dot_sep.join(re.escape(p) for p in part.split("."))

    body = dotted(local) + at_sep + dotted(domain)
    return re.compile(r"(?<![\w.+-])" + body + r"(?![\w-])", re.IGNORECASE)


def scan(text: str, customer: CustomerView | None = None) -> list[PiiItem]:
    """Items in order of appearance; where two overlap, the earlier kind in
    this order wins: customer's own details, email, card, phone, address."""
    found = _customer_items(text, customer) if customer is not None else []
    if "@" in text:
        found += [PiiItem("email", m.start(), m.end(), mask_email(m.group())) for m in _EMAIL.finditer(text)]
    # Most replies hold few digits; skip the number patterns that cannot match.
    digit_count = len(_DIGIT.findall(text))
    if digit_count >= 13:
        found += _cards(text)
    if digit_count >= 7:
        found += _phones(text)
    if digit_count:
        found += _addresses(text)
    kept: list[PiiItem] = []
    for item in found:
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda i: i.start)


def _cards(text: str) -> list[PiiItem]:
    items = []
    for m in _CARD.finditer(text):
        digits = _digits(m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            items.append(PiiItem("card", m.start(), m.end(), _mask_digits(m.group(), 4)))
    return items


def _phones(text: str) -> list[PiiItem]:
    spans = [m.span() for p in _PHONES for m in p.finditer(text)]
    folded = text.casefold()
    if any(word in folded for word in _PHONE_WORDS):
        spans += [m.span(1) for m in _PHONE_CONTEXT.finditer(text)]
    return [
        PiiItem("phone", start, end, _mask_digits(text[start:end], 2))
        for start, end in sorted(spans)
        if 7 <= len(_digits(text[start:end])) <= 15
    ]


def _addresses(text: str) -> list[PiiItem]:
    items = []
    for m in _ADDRESS.finditer(text):
        number, _, rest = m.group().partition(" ")
        items.append(PiiItem("address", m.start(), m.end(), "•" * len(number) + " " + rest.strip()))
    return items


def _customer_items(text: str, customer: CustomerView) -> list[PiiItem]:
    items = []
    pattern = _customer_email_pattern(customer.email) if customer.email else None
    if pattern:
        for m in pattern.finditer(text):
            items.append(PiiItem("customer_email", m.start(), m.end(), mask_email(customer.email or "")))
    known = _digits(customer.phone or "")
    if len(known) >= 7 and "•" not in (customer.phone or ""):
        national = known[-10:]
        for m in _DIGIT_RUN.finditer(text):
            found = _digits(m.group())
            if national in found or (len(found) >= 7 and national.endswith(found)):
                items.append(PiiItem("customer_phone", m.start(), m.end(), _mask_digits(m.group(), 2)))
    return items
