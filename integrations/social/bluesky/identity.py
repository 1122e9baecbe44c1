"""Who posted: DID -> handle, with a bounded cache."""
from __future__ import annotations

import logging
from collections import OrderedDict

import httpx

log = logging.getLogger(__name__)


class HandleCache:
    """DID -> handle, from the DID document (PLC directory or did:web), then the PDS."""

    def __init__(self, http: httpx.AsyncClient, service_url: str, plc_url: str, size: int = 50_000) -> None:
        self._http, self._service, self._plc = http, service_url.rstrip("/"), plc_url.rstrip("/")
        self._known: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def __contains__(self, did: str) -> bool:
        return did in self._known

    def forget(self, did: str) -> None:
        self._known.pop(did, None)

    def on_identity(self, did: str, _handle: str | None) -> None:
        """A firehose #identity event: the handle may have changed. The event's
        handle is not necessarily verified, so resolve again on the next post."""
        self.forget(did)

    def learn(self, did: str, handle: str) -> None:
        self._known[did] = handle
        self._known.move_to_end(did)
        while len(self._known) > self._size:
            self._known.popitem(last=False)

    async def handle(self, did: str) -> str | None:
        if did in self._known:
            self._known.move_to_end(did)
            return self._known[did]
        claimed = await self._from_did_document(did)
        # A DID document may claim any handle: keep it only if the handle points back.
        if claimed and await self.did_of(claimed, quiet=True) == did:
            handle = claimed
        else:
            handle = await self._from_pds(did)
        if handle:
            self.learn(did, handle)
        return handle

    async def _from_did_document(self, did: str) -> str | None:
        if did.startswith("did:plc:"):
            url = f"{self._plc}/{did}"
        elif did.startswith("did:web:"):
            url = f"https://{did[8:]}/.well-known/did.json"
        else:
            return None
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            names = response.json().get("alsoKnownAs") or []
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.info("bluesky: no DID document for %s at %s (%s)", did, url, exc)
            return None
        return next((n[5:] for n in names if isinstance(n, str) and n.startswith("at://")), None)

    async def _from_pds(self, did: str) -> str | None:
        try:
            response = await self._http.get(f"{self._service}/xrpc/com.atproto.repo.describeRepo",
                                            params={"repo": did})
            response.raise_for_status()
            answer = response.json()
            handle, correct = answer.get("handle"), answer.get("handleIsCorrect")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.warning("bluesky: could not resolve the handle of %s (%s); showing the DID", did, exc)
            return None
        return handle if isinstance(handle, str) and correct is True else None

    async def did_of(self, handle: str, quiet: bool = False) -> str | None:
        url = f"{self._service}/xrpc/com.atproto.identity.resolveHandle"
        try:
            response = await self._http.get(url, params={"handle": handle.lstrip("@")})
            response.raise_for_status()
            did = response.json().get("did")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.log(logging.INFO if quiet else logging.WARNING,
                    "bluesky: handle %r does not resolve at %s (%s)", handle, url, exc)
            return None
        return did if isinstance(did, str) else None
