"""OAuth 2.0 for Salesforce: the refresh-token flow or the JWT bearer flow,
against the login URL from the configuration (production, sandbox or a My
Domain). simple-salesforce then works with the access token; an expired one
is replaced here and the call made again."""
from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import requests

from bot.config.crm import SalesforceCrm
from bot.ports import CrmUnavailable

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str


class TimeoutSession(requests.Session):
    """simple-salesforce takes no timeout: every request of this session has one.
    A CA bundle set on the session also wins over REQUESTS_CA_BUNDLE (requests
    lets the environment override it otherwise)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, method, url, **kwargs):  # noqa: D401 - requests' own signature
        kwargs.setdefault("timeout", self.timeout_s)
        if isinstance(self.verify, str):
            kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


def fetch_token(cfg: SalesforceCrm, secrets: dict[str, str], session: requests.Session) -> Token:
    url = cfg.login_url.rstrip("/") + "/services/oauth2/token"
    if cfg.auth == "refresh_token":
        data = {"grant_type": "refresh_token", "client_id": secrets["client_id_env"],
                "client_secret": secrets["client_secret_env"], "refresh_token": secrets["refresh_token_env"]}
    else:
        claims = {"iss": secrets["client_id_env"], "sub": secrets["username_env"], "aud": cfg.login_url.rstrip("/"),
                  "exp": int(time.time()) + 180}
        data = {"grant_type": JWT_GRANT, "assertion": jwt.encode(claims, secrets["private_key_env"], algorithm="RS256")}
    try:
        response = session.post(url, data=data)
    except requests.RequestException as exc:
        raise CrmUnavailable(f"Salesforce login did not answer: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise CrmUnavailable(f"Salesforce login answered {response.status_code}")
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200 or "access_token" not in body:
        # e.g. invalid_grant: the refresh token was revoked, or the user has not approved the connected app.
        raise CrmUnavailable(f"Salesforce refused the login ({response.status_code}): "
                             f"{body.get('error', '')} {body.get('error_description', '')}".strip())
    return Token(body["access_token"], body.get("instance_url") or cfg.instance_url)
