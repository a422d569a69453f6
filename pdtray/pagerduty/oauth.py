"""Sign in with PagerDuty: OAuth 2.0 authorization code with PKCE (S256) for a public client, through authlib's
httpx integration; the tokens it yields, refreshed before they expire and once after a 401.

PagerDuty's identity host depends on the region (``identity.pagerduty.com``, ``identity.eu.pagerduty.com``); a
custom API URL (the demo, a test double) serves ``/oauth/*`` itself. No Qt and no keyring here: whoever keeps the
tokens passes a ``save`` callback.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pdtray.pagerduty.errors import BadRequestError, NetworkError, SignInAgainError
from pdtray.pagerduty.service_urls import Region, is_loopback_host, resolve

IDENTITY_URLS = {Region.US: "https://identity.pagerduty.com", Region.EU: "https://identity.eu.pagerduty.com"}
#: what viewing needs (read-only), and what acknowledge, resolve, page and take a shift add
READ_SCOPES = (
    "oncalls.read",
    "schedules.read",
    "users.read",
    "users:contact_methods.read",
    "services.read",
    "escalation_policies.read",
    "incidents.read",
)
WRITE_SCOPES = ("incidents.write", "schedules.write")
#: an access token is renewed this long before it expires
RENEW_MARGIN = 300.0


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    #: seconds since the epoch (wall clock: it has to mean the same after a restart)
    expires_at: float
    scope: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
                "scope": self.scope,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> OAuthTokens:
        data = json.loads(text)
        return cls(
            str(data["access_token"]), str(data["refresh_token"]), float(data["expires_at"]), data.get("scope", "")
        )

    @classmethod
    def from_answer(cls, answer: dict[str, Any], now: float) -> OAuthTokens:
        try:
            return cls(
                str(answer["access_token"]),
                str(answer["refresh_token"]),
                now + float(answer.get("expires_in") or 3600),
                str(answer.get("scope") or ""),
            )
        except (KeyError, TypeError, ValueError):
            raise BadRequestError("PagerDuty's sign-in answer lacked an access or a refresh token.") from None


def identity_url(region: str | Region = Region.US, base_url: str | None = None) -> str:
    """Where ``/oauth/authorize`` and ``/oauth/token`` are: the region's identity host, or a custom API URL."""
    if base_url:
        return resolve(region, base_url).rest
    return IDENTITY_URLS[Region(region)]


def _client(identity: str, client_id: str, **options: Any) -> Any:
    from authlib.deprecate import AuthlibDeprecationWarning  # installs authlib's own "always show" filter first

    with warnings.catch_warnings():
        # authlib prefers the httpx2 package and says so on import; httpx is what pdtray uses, and supported
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    from httpx import URL

    from pdtray.pagerduty.tls import tls_context

    return AsyncOAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",  # a public client: PKCE instead of a secret
        code_challenge_method="S256",
        verify=tls_context(),
        trust_env=not is_loopback_host(URL(identity).host),
        timeout=20.0,
        **options,
    )


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str = field(repr=False)
    verifier: str = field(repr=False)
    redirect_uri: str


def authorization_request(
    identity: str, client_id: str, redirect_uri: str, scopes: tuple[str, ...] = READ_SCOPES + WRITE_SCOPES
) -> AuthorizationRequest:
    """The URL to open in the browser, with a fresh ``state`` and PKCE verifier (kept by the caller)."""
    verifier = secrets.token_urlsafe(64)[:96]
    state = secrets.token_urlsafe(24)
    client = _client(identity, client_id, redirect_uri=redirect_uri, scope=" ".join(scopes))
    url, _ = client.create_authorization_url(f"{identity}/oauth/authorize", state=state, code_verifier=verifier)
    return AuthorizationRequest(url, state, verifier, redirect_uri)


async def _token_call(
    what: str, call: Callable[[Any], Awaitable[Any]], identity: str, client_id: str, **options: Any
) -> OAuthTokens:
    import httpx
    from authlib.integrations.base_client.errors import OAuthError

    client = _client(identity, client_id, **options)
    try:
        answer = await call(client)
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise SignInAgainError(
                f"PagerDuty no longer accepts this sign-in ({exc.description or exc.error}); sign in again."
            ) from None
        raise BadRequestError(f"PagerDuty refused {what}: {exc.description or exc.error}.") from None
    except httpx.HTTPError as exc:
        raise NetworkError(f"Could not reach PagerDuty's sign-in service for {what} ({type(exc).__name__}).") from None
    finally:
        await client.aclose()
    return OAuthTokens.from_answer(dict(answer), time.time())


async def exchange_code(identity: str, client_id: str, request: AuthorizationRequest, code: str) -> OAuthTokens:
    """The code the browser brought back, with the request's PKCE verifier, for tokens."""
    return await _token_call(
        "the sign-in",
        lambda client: client.fetch_token(
            f"{identity}/oauth/token", grant_type="authorization_code", code=code, code_verifier=request.verifier
        ),
        identity,
        client_id,
        redirect_uri=request.redirect_uri,
    )


async def refresh_tokens(identity: str, client_id: str, tokens: OAuthTokens) -> OAuthTokens:
    return await _token_call(
        "renewing the sign-in",
        lambda client: client.refresh_token(f"{identity}/oauth/token", refresh_token=tokens.refresh_token),
        identity,
        client_id,
    )


async def revoke(identity: str, client_id: str, tokens: OAuthTokens) -> None:
    """Best effort: signing out locally must not depend on PagerDuty answering."""
    client = _client(identity, client_id)
    try:
        for token, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            await client.revoke_token(f"{identity}/oauth/revoke", token=token, token_type_hint=hint)
    except Exception:
        pass
    finally:
        await client.aclose()


class OAuthCredentials:
    """What a :class:`~pdtray.pagerduty.client.PagerDutyClient` asks for its Authorization header when signed in
    with OAuth: the access token, renewed :data:`RENEW_MARGIN` seconds before it expires, and once after a 401.
    Concurrent requests share one renewal. ``save`` keeps each new pair (refresh tokens rotate)."""

    def __init__(
        self,
        tokens: OAuthTokens,
        *,
        identity: str,
        client_id: str,
        save: Callable[[OAuthTokens], Awaitable[None]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = tokens
        self._identity = identity
        self._client_id = client_id
        self._save = save
        self._clock = clock
        self._lock = asyncio.Lock()
        #: the requests of one sign-in share the client's per-token limits across renewals
        self.identity = "oauth:" + secrets.token_hex(8)

    def __repr__(self) -> str:
        return f"OAuthCredentials(identity={self._identity!r}, expires_at={self.tokens.expires_at:.0f})"

    async def current(self) -> str:
        if self._clock() >= self.tokens.expires_at - RENEW_MARGIN:
            await self._renew(self.tokens.access_token)
        return self.tokens.access_token

    async def after_rejection(self, rejected: str) -> str:
        """A 401 for ``rejected``: renew once (unless another request already did) and give the new token."""
        await self._renew(rejected)
        return self.tokens.access_token

    async def _renew(self, stale: str) -> None:
        async with self._lock:
            if self.tokens.access_token != stale:
                return  # renewed while this request waited for the lock
            renewed = await refresh_tokens(self._identity, self._client_id, self.tokens)
            self.tokens = renewed
            await self._save(renewed)
