"""Find links in a reply (full URLs and bare domains such as "acme.com/help")
and check their hosts against the guidelines' allowlist."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Common generic endings plus every two-letter country ending; a bare
# "word.word" only counts as a link when it ends in one of these or has a path.
_GENERIC = (
    "com net org edu gov mil int info biz name pro mobi app dev ai io xyz shop store online "
    "site website tech blog cloud club news live page link social media studio design agency "
    "digital email"
)
_COUNTRIES = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs "
    "bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee "
    "eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm "
    "hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb "
    "lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz "
    "na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs "
    "ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm "
    "tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
KNOWN_ENDINGS = frozenset((_GENERIC + " " + _COUNTRIES).split())

_URL = re.compile(r"(?i)(?<![\w.-])(?:[a-z][a-z0-9+.-]{1,15}://|www\.)[^\s<>\"'`]+")
_BARE = re.compile(
    r"(?<![\w@./:-])((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+([^\W\d_]{2,63}))"
    r"(?![\w-]|\.[^\W_])(?P<rest>[:/][^\s<>\"'`]*)?"
)
_DOT_LETTER = re.compile(r"\.[^\W\d_]")
_SPACE = re.compile(r"\s")
_TRAILING = ".,;:!?'\"…"


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    host: str


_OPENERS = {")": "(", "]": "[", "}": "{"}


def _trim(text: str) -> str:
    """Drop sentence punctuation after a link; keep a ")" that closes one inside it."""
    while text:
        last = text[-1]
        unbalanced = last in _OPENERS and text.count(last) > text.count(_OPENERS[last])
        if last not in _TRAILING and not unbalanced:
            break
        text = text[:-1]
    return text


def _host(url: str) -> str:
    if "://" not in url:
        url = "//" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. "http://[oops"
        host = ""
    return host.rstrip(".").lower()


def _bare_candidates(text: str):
    """Bare-domain matches, searched only in the words that contain ".x"
    (scanning the whole text with the full pattern is several times slower)."""
    searched_to = 0
    for dot in _DOT_LETTER.finditer(text):
        if dot.start() < searched_to:
            continue
        lo = max(text.rfind(space, 0, dot.start()) for space in " \n\t") + 1
        end = _SPACE.search(text, dot.end())
        searched_to = end.start() if end else len(text)
        yield from _BARE.finditer(text, lo, searched_to)


def find_links(text: str) -> list[Link]:
    links: list[Link] = []
    if "://" in text or "www." in text.casefold():
        for m in _URL.finditer(text):
            url = _trim(m.group())
            links.append(Link(m.start(), m.start() + len(url), _host(url) or url.lower()))
    taken = [(link.start, link.end) for link in links]
    for m in _bare_candidates(text):
        start = m.start()
        if any(a <= start < b for a, b in taken):
            continue
        ending = m.group(2)
        if ending[0].isupper() and not ending.isupper():
            continue  # "done.It works" is a missing space, not a site
        if ending.lower() not in KNOWN_ENDINGS and not m.group("rest"):
            continue
        url = _trim(m.group())
        links.append(Link(start, start + len(url), m.group(1).lower()))
    return sorted(links, key=lambda link: link.start)


def normalise_entry(entry: str) -> str:
    """An allowlist entry may be written "acme.com", "https://acme.com/help" or "*.acme.com"."""
    host = entry.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    return host.removeprefix("*.").strip(".")


def allowed(host: str, allowlist: tuple[str, ...]) -> bool:
    return any(host == entry or host.endswith("." + entry) for entry in allowlist)
