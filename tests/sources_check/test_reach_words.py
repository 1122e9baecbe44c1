"""The plain words for a failed connection, found however deep the client
library wrapped the socket error."""
from __future__ import annotations

import socket

import httpx
import pytest
import requests

from integrations.social.common.reach_check import reason


def raised(outer: type[BaseException], inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException:
            raise outer("wrapped")  # noqa: B904 - the implicit context is what libraries leave
    except BaseException as exc:
        return exc


@pytest.mark.parametrize(("inner", "words"), [
    (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
    (socket.gaierror(-2, "Name or service not known"), "the host name does not resolve"),
    (httpx.ReadTimeout("timed out"), "no answer within 5 s"),
    (requests.ConnectTimeout("timed out"), "no answer within 5 s"),
])
def test_the_innermost_cause_is_named(inner, words):
    assert reason(raised(RuntimeError, raised(OSError, inner))) == words


def test_an_unknown_failure_keeps_its_own_words():
    assert reason(raised(RuntimeError, ValueError("bad frame"))) == "ValueError: bad frame"
