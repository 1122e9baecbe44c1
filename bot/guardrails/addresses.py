"""Street addresses in many countries' shapes. No maintained pure-Python
address parser exists (libpostal needs a C library and a 2 GB model), so this
is a pattern library of the forms postal services publish:

- number first, street type last: "221B Baker Street", "350 5th Ave",
  "4 Old Mill road" (English-speaking countries);
- number first, street type first: "12 rue de Rivoli", "5 avenue Foch";
- street type first, number last: "Calle Mayor 5", "Via Roma 10",
  "Avenida Paulista 1000", "Rua Augusta 1500";
- one word ending in a street type, then the number: "Hauptstraße 5",
  "Musterstr. 12", "Kerkstraat 12", "Storgatan 3", "Mannerheimintie 4";
- postcodes that only appear in addresses: UK ("SW1A 1AA"), Canadian
  ("K1A 0B1"), US state + ZIP ("NY 10001"); and "PO Box 123".
Each pattern starts at a digit or a capital and is bounded, so a scan is linear.
"""
from __future__ import annotations

import re

_EN_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Square|Sq|"
    "Parkway|Pkwy|Highway|Hwy|Close|Crescent|Circle|Row|Mews|Alley|Trail|Plaza|Gardens|Grove|Hill|Walk|Wharf"
)
_FRONT_TYPES = (
    "rue|avenue|av|bd|boulevard|chemin|allée|allee|impasse|quai|place|route|calle|avenida|av|paseo|plaza|"
    "carrer|camino|via|viale|piazza|corso|largo|rua|travessa|praça|praca|ulica|ul|strada"
)
_WORD_TYPES = (
    # Endings that also end English words ("During", "Brigade", "Arcade", "Sortie") are left out.
    "straße|strasse|str|weg|gasse|platz|allee|damm|ufer|chaussee|steig|laan|straat|gracht|plein|"
    "dijk|singel|vej|gatan|gata|vägen|vagen|veien|katu|kuja|utca"
)
_NUMBER = r"\d{1,5}[A-Za-z]?(?:[-/]\d{1,5})?"
# A name word: capitalised, or in mixed case ("eVeRgReEn"); plain lower case is ordinary prose.
_NAME = r"(?:[A-Z][\w'’-]*|[a-z]+[A-Z][\w'’-]*)"
_EN = re.compile(
    rf"(?<![\w#$.,])(?P<n>{_NUMBER})\s+(?:(?:{_NAME}|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}?"
    rf"(?i:{_EN_TYPES})\b\.?"
)
_FRONT_NUMBER_FIRST = re.compile(
    rf"(?i)(?<![\w#$.,])(?P<n>{_NUMBER}),?\s+(?:{_FRONT_TYPES})\.?\s+(?:(?:de|del|della|di|da|do|des|du|la|le|"
    rf"los|las)\s+)*{_NAME}"
)
# The street type is written as a name here ("Via Roma 10", not "via Twitter 24/7"), and the
# number is not a time, a share or a count of hours.
_FRONT_NUMBER_LAST = re.compile(
    rf"(?<![\w])(?=[A-Z]|[a-z]+[A-Z])(?i:{_FRONT_TYPES})\.?\s+(?:(?:de|del|della|di|da|do|des|du|la|le|los|las|"
    rf"dos)\s+)*(?:{_NAME}\s+){{1,3}}?(?i:n[ºo°]\.?\s*)?,?\s*(?P<n>\d{{1,5}}[A-Za-z]?)\b"
    r"(?![/:%]|[.,]\d|\s*(?i:am|pm|h|hrs?|hours?|days?|mins?|minutes?|x|percent)\b)"
)
_ONE_WORD = re.compile(rf"(?<![\w])(?=[A-ZÄÖÜÅÆØ]|[a-zäöüåæø]+[A-ZÄÖÜ])[\w-]{{2,31}}?(?i:{_WORD_TYPES})\b\.?\s+"
                       rf"(?P<n>\d{{1,5}}[A-Za-z]?)\b")
_POSTCODE = re.compile(
    r"(?<![\w])(?:[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|[A-Z]\d[A-Z] \d[A-Z]\d"
    # A US state and ZIP only after a town and a comma ("Springfield, IL 62704"), not "Order ID 48213".
    r"|(?<=[a-z.], )(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC) \d{5}(?:-\d{4})?)(?![\w])"
)
_PO_BOX = re.compile(r"(?i)(?<![\w])P\.?\s?O\.?\s?Box\s+(?P<n>\d{1,6})\b")


def find_addresses(text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked) of each address in `text`, the house number masked."""
    found: list[tuple[int, int, str]] = []
    for pattern in (_EN, _FRONT_NUMBER_FIRST, _FRONT_NUMBER_LAST, _ONE_WORD, _PO_BOX):
        for m in pattern.finditer(text):
            chunk = m.group()
            a, b = m.span("n")
            found.append((m.start(), m.end(), chunk[:a - m.start()] + "•" * (b - a) + chunk[b - m.start():]))
            if len(found) > 40:
                return found
    for m in _POSTCODE.finditer(text):
        found.append((m.start(), m.end(), m.group()[:2] + "•" * (len(m.group()) - 2)))
        if len(found) > 40:
            break
    return found
