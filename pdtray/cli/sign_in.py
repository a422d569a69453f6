"""``pdtray login`` and ``pdtray logout``: Sign in with PagerDuty from the command line (the browser, a loopback
redirect, PKCE), and signing out (the tokens revoked at PagerDuty, and removed from the keyring)."""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pdtray.app import queries
from pdtray.app.secrets import delete_keyring_token
from pdtray.app.sign_in import SignedIn, read_sign_in, sign_in, sign_out, store_sign_in
from pdtray.pagerduty.oauth import identity_url

if TYPE_CHECKING:
    from pdtray.cli.commands import CommandContext

Result = tuple[Any, str]


def open_browser(url: str) -> None:
    """The system browser, from a thread: some browser commands wait until the browser exits, and the redirect
    back must meanwhile be answered by this process."""
    print(f"Opening your browser to sign in. If it does not open, visit:\n  {url}", file=sys.stderr)
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()


async def cmd_login(ctx: CommandContext, args: argparse.Namespace) -> Result:
    client_id = args.client_id or ctx.settings.oauth_client_id
    region = args.region or ctx.settings.region
    base_url = args.api_url or ctx.api_url
    identity = identity_url(region, base_url)
    prefix = ctx.account.keyring_prefix
    signed_in = await sign_in(identity, client_id or "", open_browser, keyring_prefix=prefix)
    store_sign_in(signed_in)
    delete_keyring_token(prefix)  # a stored API key would win over the sign-in
    from pdtray.app.connection import Connection
    from pdtray.app.secrets import Token, TokenOrigin

    connection = Connection(
        Token(signed_in.to_json(), TokenOrigin.OAUTH), region=region, base_url=base_url, keyring_prefix=prefix
    )
    async with connection.client() as client:
        me = await queries.me(client)
    data = {"signed_in": True, "user": {"id": me.id, "name": me.name, "email": me.email}}
    return data, f"Signed in as {me.display_name} ({me.email}). The sign-in is kept in the OS keyring."


async def cmd_logout(ctx: CommandContext, args: argparse.Namespace) -> Result:
    signed_in: SignedIn | None = read_sign_in(ctx.account.keyring_prefix)
    if signed_in is None:
        return {"signed_out": False}, "Not signed in with PagerDuty; nothing to do."
    await sign_out(signed_in)
    return {"signed_out": True}, "Signed out: the sign-in was revoked at PagerDuty and removed from the keyring."


COMMANDS: dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]] = {
    "login": cmd_login,
    "logout": cmd_logout,
}


def add_parsers(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    login = sub.add_parser(
        "login", help="sign in with PagerDuty in the browser", description="Sign in with PagerDuty (OAuth, PKCE)."
    )
    login.add_argument("--client-id", metavar="ID", help="your organisation's OAuth app (else the one in Settings)")
    add_common(login)
    add_common(sub.add_parser("logout", help="sign out of PagerDuty", description="Revoke and forget the sign-in."))
