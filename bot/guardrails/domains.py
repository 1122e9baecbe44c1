"""Registrable domains from the public suffix list, read from the snapshot
that ships inside tldextract: nothing is fetched at run time."""
from __future__ import annotations

from functools import lru_cache

import tldextract

# suffix_list_urls=() and no cache directory: the bundled snapshot only.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@lru_cache(maxsize=16384)
def parts(host: str) -> tuple[str, str]:
    """(registrable domain, public suffix) of a host; ("", "") when the host
    does not end in a public suffix."""
    found = _EXTRACT(host.lower().rstrip("."))
    if not found.suffix or not found.domain:
        return "", found.suffix
    return f"{found.domain}.{found.suffix}", found.suffix


def registrable(host: str) -> str:
    return parts(host)[0]
