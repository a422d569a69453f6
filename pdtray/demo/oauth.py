"""The demo's OAuth 2.0 authorization server, as PagerDuty's identity host runs it for a public (PKCE) client:
``GET /oauth/authorize`` (approves at once, as a signed-in person clicking "Authorize" would, and redirects back
with ``code`` and ``state``), ``POST /oauth/token`` (the code with its PKCE verifier, or a refresh token) and
``POST /oauth/revoke``. Enough to run "Sign in with PagerDuty" end to end over real HTTP, with the refusals a
client must handle: a wrong verifier, an expired or reused code, an expired or revoked token (``invalid_grant``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

#: how long an authorization code may be exchanged
CODE_LIFETIME = 60.0
#: an access token's lifetime unless a test shortens it (PagerDuty's are hours)
ACCESS_LIFETIME = 3600.0
DEMO_CLIENT_ID = "pdtray-demo-client"


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    issued: float
    used: bool = False


@dataclass
class OAuthServer:
    clock: Callable[[], float] = time.monotonic
    access_lifetime: float = ACCESS_LIFETIME
    #: access tokens: expiry; refresh tokens: the client they belong to
    access: dict[str, float] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    #: what each request to the token endpoint was (grant type), for tests to count refreshes
    grants: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def valid_access(self, token: str) -> bool:
        with self._lock:
            expiry = self.access.get(token)
            return expiry is not None and self.clock() < expiry

    def revoke_all(self) -> None:
        """What an admin removing the app does: every token stops working."""
        with self._lock:
            self.access.clear()
            self.refresh.clear()

    # -- endpoints -------------------------------------------------------------------------------------------------

    def authorize(self, query: dict[str, list[str]]) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        def one(key: str) -> str:
            return (query.get(key) or [""])[0]

        redirect_uri = one("redirect_uri")
        target = urlsplit(redirect_uri)
        if target.scheme != "http" or target.hostname not in ("127.0.0.1", "localhost"):
            return _page(400, "redirect_uri must be a loopback http:// URL (RFC 8252)")
        if one("response_type") != "code" or one("code_challenge_method") != "S256" or not one("code_challenge"):
            return _page(400, "response_type=code with an S256 code_challenge is required")
        if not one("client_id"):
            return _page(400, "client_id is required")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = _Code(one("client_id"), redirect_uri, one("code_challenge"), one("scope"), self.clock())
        location = f"{redirect_uri}?{urlencode({'code': code, 'state': one('state')})}"
        return 302, b"", (("Location", location), ("Content-Type", "text/html"))

    def token(self, body: bytes) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        grant = form.get("grant_type", "")
        with self._lock:
            self.grants.append(grant)
            if grant == "authorization_code":
                return self._exchange(form)
            if grant == "refresh_token":
                return self._refresh(form)
        return _error("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def revoke(self, body: bytes) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        token = form.get("token", "")
        with self._lock:
            self.access.pop(token, None)
            self.refresh.pop(token, None)
        return 200, b"{}", (("Content-Type", "application/json"),)

    # -- grants ----------------------------------------------------------------------------------------------------

    def _exchange(self, form: dict[str, str]) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.used:
            return _error("invalid_grant", "The authorization code is invalid or was already used.")
        code.used = True  # any attempt uses it up: a wrong verifier cannot be followed by guesses
        if self.clock() - code.issued > CODE_LIFETIME:
            return _error("invalid_grant", "The authorization code has expired.")
        if form.get("client_id") != code.client_id or form.get("redirect_uri") != code.redirect_uri:
            return _error("invalid_grant", "client_id or redirect_uri does not match the authorization request.")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != code.challenge:
            return _error("invalid_grant", "The code_verifier does not match the code_challenge.")
        return self._issue(code.client_id, code.scope)

    def _refresh(self, form: dict[str, str]) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        old = form.get("refresh_token", "")
        owner = self.refresh.pop(old, None)  # rotated: a refresh token works once
        if owner is None or owner != form.get("client_id"):
            return _error("invalid_grant", "The refresh token is invalid, expired or revoked.")
        return self._issue(owner, form.get("scope", ""))

    def _issue(self, client_id: str, scope: str) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        access = "pdus+" + secrets.token_urlsafe(32)
        refresh = "pdre+" + secrets.token_urlsafe(32)
        self.access[access] = self.clock() + self.access_lifetime
        self.refresh[refresh] = client_id
        body = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(self.access_lifetime),
            "refresh_token": refresh,
            "scope": scope,
        }
        return 200, json.dumps(body).encode(), (("Content-Type", "application/json"), ("Cache-Control", "no-store"))


def _error(error: str, description: str) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return 400, body, (("Content-Type", "application/json"),)


def _page(status: int, text: str) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    return status, text.encode(), (("Content-Type", "text/plain; charset=utf-8"),)
