"""Sign in with PagerDuty from the tray or the command line: the system browser, a loopback redirect on
127.0.0.1 with a random port (RFC 8252), ``state`` checked, PKCE; and the signed-in tokens kept in the OS keyring
only, next to (and instead of) a pasted API key.

What is stored (one keyring entry, ``pagerduty-oauth``): the access and refresh tokens, when the access token
expires, the app's client ID and the identity host they belong to. Nothing of it goes to settings.json, the cache
or the log (each token is registered with the log's redaction as soon as it is read or made).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from pdtray.app.log import remember_secret
from pdtray.app.secrets import delete_keyring_entry, read_secret, write_secret
from pdtray.pagerduty.errors import CredentialsError
from pdtray.pagerduty.oauth import (
    AuthorizationRequest,
    OAuthCredentials,
    OAuthTokens,
    authorization_request,
    exchange_code,
    revoke,
)

KEYRING_OAUTH_USERNAME = "pagerduty-oauth"
#: how long the browser step may take before the sign-in gives up
SIGN_IN_TIMEOUT = 300.0
DONE_PAGE = (
    "<!doctype html><meta charset=utf-8><title>pdtray</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body>"
)


class SignInError(CredentialsError):
    """The sign-in did not complete: declined in the browser, a forged or stale redirect, timed out."""


@dataclass(frozen=True)
class SignedIn:
    tokens: OAuthTokens
    client_id: str
    identity: str
    #: where it is kept: "" for the first account, ``account:<name>:`` for another
    keyring_prefix: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {"tokens": json.loads(self.tokens.to_json()), "client_id": self.client_id, "identity": self.identity}
        )

    @classmethod
    def from_json(cls, text: str, keyring_prefix: str = "") -> SignedIn:
        data = json.loads(text)
        tokens = OAuthTokens.from_json(json.dumps(data["tokens"]))
        return cls(tokens, str(data["client_id"]), str(data["identity"]), keyring_prefix)

    def credentials(self) -> OAuthCredentials:
        """What the client uses: renewals are written back to the keyring (refresh tokens rotate)."""
        client_id, identity, prefix = self.client_id, self.identity, self.keyring_prefix

        async def keep(tokens: OAuthTokens) -> None:
            remember_secret(tokens.access_token)
            remember_secret(tokens.refresh_token)
            renewed = SignedIn(tokens, client_id, identity, prefix)
            from pdtray.app.secrets import off_the_ui_thread

            await off_the_ui_thread(lambda: store_sign_in(renewed))

        return OAuthCredentials(self.tokens, identity=identity, client_id=client_id, save=keep)


def read_sign_in(prefix: str = "") -> SignedIn | None:
    """The stored sign-in of an account, if any (the keyring call blocks: run it off the UI thread)."""
    stored = read_secret(prefix + KEYRING_OAUTH_USERNAME)
    if not stored:
        return None
    try:
        signed_in = SignedIn.from_json(stored, prefix)
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: as if signed out; signing in again replaces it
    remember_secret(signed_in.tokens.access_token)
    remember_secret(signed_in.tokens.refresh_token)
    return signed_in


def store_sign_in(signed_in: SignedIn) -> None:
    write_secret(signed_in.keyring_prefix + KEYRING_OAUTH_USERNAME, signed_in.to_json())


def forget_sign_in(prefix: str = "") -> None:
    delete_keyring_entry(prefix + KEYRING_OAUTH_USERNAME)


class _Callback:
    """The loopback receiver: one HTTP request on 127.0.0.1, the browser's redirect with ``code`` and ``state``."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[dict[str, str]] = asyncio.get_event_loop_policy().get_event_loop().create_future()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass
        except (TimeoutError, ConnectionError):
            writer.close()
            return
        parts = line.split(" ")
        target = urlsplit(parts[1] if len(parts) > 1 else "/")
        if target.path != "/callback":
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        if "error" in query:
            title, text = "Sign-in cancelled", "pdtray was not given access. You can close this tab."
        else:
            title, text = "Signed in to pdtray", "You can close this tab and go back to pdtray."
        body = DONE_PAGE.format(title=title, text=text).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()
        if not self.answer.done():
            self.answer.set_result(query)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def sign_in(
    identity: str,
    client_id: str,
    open_browser: Callable[[str], object],
    *,
    timeout: float = SIGN_IN_TIMEOUT,
    keyring_prefix: str = "",
) -> SignedIn:
    """Opens the browser on PagerDuty's consent page and waits for the redirect back; returns the new sign-in
    (not yet stored: the caller keeps it with :func:`store_sign_in`, off the UI thread)."""
    if not client_id.strip():
        raise SignInError(
            "Signing in needs your organisation's OAuth app: enter its client ID in Settings (a PagerDuty admin "
            "registers it; see the README). Pasting an API key works too."
        )
    callback = _Callback()
    await callback.start()
    try:
        request: AuthorizationRequest = authorization_request(
            identity, client_id.strip(), f"http://127.0.0.1:{callback.port}/callback"
        )
        open_browser(request.url)
        try:
            query = await asyncio.wait_for(asyncio.shield(callback.answer), timeout)
        except TimeoutError:
            raise SignInError(
                f"The sign-in was not finished in the browser within {timeout / 60:g} minutes; try again."
            ) from None
    finally:
        callback.close()
    if "error" in query:
        raise SignInError(f"PagerDuty did not give pdtray access ({query.get('error')}).")
    if not secrets.compare_digest(query.get("state", ""), request.state):
        raise SignInError("The answer that came back to pdtray was not for this sign-in (state mismatch); try again.")
    if not query.get("code"):
        raise SignInError("PagerDuty's answer had no authorization code; try again.")
    tokens = await exchange_code(identity, client_id.strip(), request, query["code"])
    remember_secret(tokens.access_token)
    remember_secret(tokens.refresh_token)
    return SignedIn(tokens, client_id.strip(), identity, keyring_prefix)


async def sign_out(signed_in: SignedIn) -> None:
    """Revokes the tokens at PagerDuty (best effort) and forgets them here."""
    await revoke(signed_in.identity, signed_in.client_id, signed_in.tokens)
    from pdtray.app.secrets import off_the_ui_thread

    await off_the_ui_thread(lambda: forget_sign_in(signed_in.keyring_prefix))
