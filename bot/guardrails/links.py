"""Links in a reply and whether each may go out.

Read on the reply's `clean` view (invisible characters and full-width forms
undone). A link is a URL, a "www." host, an IP address, or a bare domain
("acme.com/help", "refund.support", "x.zip") whose ending is on the public
suffix list (domains.py; the bundled snapshot, never fetched). Each host is
judged on its own:
- allowed when it is, or is under, an allowlist entry, one of the brand's
  contact domains, or a network's own short/DM link (`NETWORK_LINKS`);
- a lookalike when its letters fold (TR39 confusables, punycode decoded) to
  an allowed domain without being it: "аcme.com", "xn--cme-8cd.com";
- an IP address is never allowed;
- a link on an allowed host that forwards elsewhere (`?url=`, `?next=`,
  `?redirect_uri=` ...) is judged by where it forwards to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.guardrails.canonical import fold_word, skeleton
from bot.guardrails.domains import registrable

# Each network's own short links and direct-message links. The connected
# Mastodon instance is added from the brand's Mastodon handle.
NETWORK_LINKS = ("t.co", "bsky.app", "go.bsky.app")
DM_LINKS = {"x.com": ("/messages", "/i/chat"), "twitter.com": ("/messages", "/direct_messages")}
REDIRECT_KEYS = frozenset(
    "url u uri redirect redirect_uri redirect_url redirectto return returnto return_to returnurl next to dest "
    "destination continue goto target link out r q forward callback".split()
)
_URL = re.compile(r"(?i)(?<![\w.-])(?:[a-z][a-z0-9+.-]{1,15}://|www\.)[^\s<>\"'`]{1,2000}")
_IP = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)(?::\d{1,5})?(?:/[^\s<>\"'`]{0,2000})?")
# A bare "name.name(.name)/path": each label starts at a word start and is bounded, so the scan is linear.
_BARE = re.compile(
    r"(?<![\w@./:-])(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}(?P<end>[^\W\d_][\w-]{1,62}))"
    r"(?![\w-]|\.[^\W_])(?P<rest>[:/][^\s<>\"'`]{0,2000})?"
)
_DEFANGED_DOT = re.compile(r"(?i)\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?|\s+dot\s+")
_DEFANGED = re.compile(r"(?i)(?<![\w.-])(?:[\w-]{1,63}(?:\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?"
                       r"|\s+dot\s+)){1,8}[^\W\d_]{2,63}\b")
_MAIL_AT = re.compile(r"(?i)(?:\sat\s|[\[({]at[\])}]\s?|@\s?)\Z")
# "evil dot com": a dot spelled out is read as one only before an ending people type as a site's,
# so "the dot com bubble" or "join the dots" stay words.
_SPELLED_ENDINGS = frozenset("com net org io co info biz xyz app dev me uk us ru cn de fr zip support link click top "
                             "shop online site store live help".split())
# Endings that are everyday words starting a sentence after a missing space. A bare "word.now"
# is read as a sentence; with a path, a hyphen, a digit or more labels it is still a link.
SENTENCE_WORDS = frozenset("no my you now me us it is in at be do so to am as by we got was not and or if he".split())
# Reserved and internal endings that are not on the public suffix list but name hosts all the same.
RESERVED = frozenset("example test invalid localhost local internal lan home corp onion".split())
_TRAILING = ".,;:!?'\"…"
_OPENERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Link:
    start: int  # in the text searched
    end: int
    host: str
    url: str = ""


def _trim(text: str) -> str:
    """Drop sentence punctuation after a link; keep a ")" that closes one inside it."""
    while text:
        last = text[-1]
        unbalanced = last in _OPENERS and text.count(last) > text.count(_OPENERS[last])
        if last not in _TRAILING and not unbalanced:
            break
        text = text[:-1]
    return text


def host_of(url: str) -> str:
    if "://" not in url and not url.startswith("//"):
        url = "//" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. "http://[oops"
        host = ""
    return _decode(host.rstrip(".").lower())


def _decode(host: str) -> str:
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return host


def find_links(text: str, written: str | None = None) -> list[Link]:
    """Links found in `text`; with `written` (the same text before lookalike
    letters were folded, same offsets), each link's host and URL are read
    from it, so "аcme.com" is found as a link yet judged as what it is."""
    links = _find(text)
    if written is None or written == text:
        return links
    out = []
    for link in links:
        url = written[link.start:link.end]
        out.append(Link(link.start, link.end, host_of(url) or url.lower(), url))
    return out


def _defanged(text: str) -> list[Link]:
    """"evil[.]com", "evil(dot)com": a host with its dots written in brackets."""
    links = []
    for m in _DEFANGED.finditer(text):
        if _MAIL_AT.search(text, max(0, m.start() - 8), m.start()):
            continue  # the domain of an e-mail address written out: the personal data check reports it
        host = _DEFANGED_DOT.sub(".", m.group()).lower()
        labels = host.split(".")
        if re.search(r"(?i)\sdot\s", m.group()) and (labels[-1] not in _SPELLED_ENDINGS
                                                       or labels[0] in SENTENCE_WORDS or labels[0] in ("the", "a")):
            continue
        if registrable(host) or host.rsplit(".", 1)[-1] in RESERVED:
            links.append(Link(m.start(), m.end(), host, host))
    return links


def _find(text: str) -> list[Link]:
    links: list[Link] = _defanged(text) if _DEFANGED_DOT.search(text) else []
    if "://" in text or "www." in text.casefold():
        for m in _URL.finditer(text):
            url = _trim(m.group())
            links.append(Link(m.start(), m.start() + len(url), host_of(url) or url.lower(), url))
    for m in _IP.finditer(text):
        if not _inside(m.start(), links) and _is_ip(m.group().split("/")[0].split(":")[0]):
            url = _trim(m.group())
            links.append(Link(m.start(), m.start() + len(url), m.group().split("/")[0].split(":")[0], url))
    if "." in text:
        for m in _BARE.finditer(text):
            if _inside(m.start(), links):
                continue
            ending = m.group("end")
            if ending.istitle():
                continue  # "done.It works" is a missing space, not a site
            host = _decode(m.group("host").lower())
            if not registrable(host) and not (m.group("rest") or ending.lower() in RESERVED):
                continue  # "Node.js", "report.pdf": no public suffix and no path
            if not m.group("rest") and ending in SENTENCE_WORDS and host.count(".") == 1 and host[:-len(ending) - 1].isalpha():
                continue  # "away.now I'm", "please.my son": a missing space before a word that is also a TLD
            url = _trim(m.group())
            links.append(Link(m.start(), m.start() + len(url), host, url))
    return sorted(links, key=lambda link: link.start)


def _inside(at: int, links: list[Link]) -> bool:
    # Few links per reply; a 1 MB text of links stops early in the caller.
    return any(link.start <= at < link.end for link in links[-4:])


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def normalise_entry(entry: str) -> str:
    """An allowlist entry may be written "acme.com", "https://acme.com/help" or "*.acme.com"."""
    host = entry.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    return host.removeprefix("*.").strip(".")


def allowed(host: str, allowlist: tuple[str, ...]) -> bool:
    return any(host == entry or host.endswith("." + entry) for entry in allowlist)


def redirect_targets(url: str) -> list[str]:
    """Hosts a link forwards to through its query or fragment parameters."""
    if "?" not in url and "#" not in url:
        return []
    try:
        split = urlsplit(url if "://" in url else "//" + url)
    except ValueError:
        return []
    hosts = []
    for query in (split.query, split.fragment):
        for key, value in parse_qsl(query, keep_blank_values=False):
            if fold_word(key).replace("-", "_") not in REDIRECT_KEYS:
                continue
            value = unquote(value).strip()
            if value.lower().startswith(("http://", "https://", "//")) or registrable(value.split("/")[0]):
                target = host_of(value)
                if target:
                    hosts.append(target)
    return hosts


def _is_dm_link(link: Link) -> bool:
    paths = DM_LINKS.get(link.host.removeprefix("www.").removeprefix("mobile."))
    if not paths:
        return False
    try:
        path = urlsplit(link.url if "://" in link.url else "//" + link.url).path
    except ValueError:
        return False
    return path.startswith(paths)


class LinkPolicy:
    """What a workspace allows: its allowlist, its brand domains, and each network's own links."""

    def __init__(self, allowlist: tuple[str, ...], brand_domains: tuple[str, ...] = (),
                 network_hosts: tuple[str, ...] = ()) -> None:
        self.allowlist = allowlist
        self.trusted = tuple(dict.fromkeys((*allowlist, *brand_domains, *NETWORK_LINKS, *network_hosts)))
        self._skeletons = {skeleton(registrable(h) or h): h for h in (*allowlist, *brand_domains) if h}

    def host_ok(self, host: str) -> bool:
        return allowed(host, self.trusted)

    def judge(self, link: Link) -> tuple[str, str] | None:
        """None when the link may go out, else (kind, shown) with kind one
        of "lookalike", "redirect", "foreign" (IP hosts are foreign unless listed)."""
        host = link.host
        if self.host_ok(host) or _is_dm_link(link):
            for target in redirect_targets(link.url):
                if not self.host_ok(target):
                    return "redirect", f"{host} → {target}"
            return None
        name = registrable(host) or host
        twin = self._skeletons.get(skeleton(name))
        if twin and name != twin:
            return "lookalike", f"{host} (looks like {twin})"
        return "foreign", host
