"""Plain words for why a connection failed, shared by the `check()` methods.

Client libraries wrap the socket error several times (requests in urllib3,
httpx in httpcore, praw in prawcore); the useful part is the innermost one.
"""
from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

from bot.ports import SourceCheckFailed

TIMEOUT = 5.0  # seconds for each request a check makes


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps, outermost first."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None),
                   getattr(current, "original_exception", None), *current.args]
        todo += [w for w in wrapped if isinstance(w, BaseException)]


def reason(exc: BaseException) -> str:
    """"connection refused", "no answer within 5 s", ... or the error's own words."""
    chain = list(causes(exc))
    for kind, words in ((ConnectionRefusedError, "connection refused"),
                        (socket.gaierror, "the host name does not resolve"),
                        (ssl.SSLError, "the TLS handshake failed"),
                        (ConnectionResetError, "the connection was reset")):
        if any(isinstance(e, kind) for e in chain):
            return words
    # TimeoutError, and the libraries' own timeouts (httpx.ReadTimeout, requests' ConnectTimeout, ...)
    if any(isinstance(e, TimeoutError) or "Timeout" in type(e).__name__ for e in chain):
        return f"no answer within {TIMEOUT:.0f} s"
    inner = next((e for e in reversed(chain) if str(e).strip()), exc)
    return f"{type(inner).__name__}: {str(inner).strip()}"[:200]


def unreachable(url: str, exc: BaseException) -> SourceCheckFailed:
    return SourceCheckFailed(f"cannot reach {url}: {reason(exc)}")
