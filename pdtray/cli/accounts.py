"""``pdtray accounts``: the PagerDuty accounts pdtray knows, and adding, removing or keying one. Every command
takes ``--account NAME`` to run against an account other than the first."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pdtray.app.accounts import accounts_of, find, with_account, without_account
from pdtray.app.secrets import KeyringUnavailableError, delete_keyring_token, read_keyring_token, write_keyring_token
from pdtray.app.settings import save_settings
from pdtray.app.sign_in import forget_sign_in, read_sign_in
from pdtray.cli.output import table

if TYPE_CHECKING:
    from pdtray.cli.commands import CommandContext

Result = tuple[Any, str]


class AccountsUsageError(ValueError):
    """Reported as a usage error (exit 2)."""


def _credential(prefix: str) -> str:
    try:
        if read_keyring_token(prefix):
            return "api key"
        if read_sign_in(prefix) is not None:
            return "signed in"
    except KeyringUnavailableError:
        return "keyring unavailable"
    return "none"


async def cmd_accounts(ctx: CommandContext, args: argparse.Namespace) -> Result:
    from pdtray.cli.actions import UsageError

    settings = ctx.all_settings
    try:
        if args.action == "add":
            settings = with_account(
                settings, args.name, region=args.region, api_url=args.api_url, oauth_client_id=args.client_id
            )
            save_settings(settings)
        elif args.action == "remove":
            account = find(settings, args.name)
            settings = without_account(settings, account)
            save_settings(settings)
            delete_keyring_token(account.keyring_prefix)
            forget_sign_in(account.keyring_prefix)
        elif args.action == "set-key":
            account = find(settings, args.name)
            key = sys.stdin.readline().strip()
            if not key:
                raise AccountsUsageError("Give the API key on standard input: pdtray accounts set-key NAME < key.txt")
            write_keyring_token(key, account.keyring_prefix)
    except (ValueError, AccountsUsageError) as exc:
        raise UsageError(str(exc)) from None
    listed = [(a, _credential(a.keyring_prefix)) for a in accounts_of(settings)]
    data = [
        {"name": a.name, "region": a.region, "api_url": a.api_url or None, "credential": credential, "first": a.first}
        for a, credential in listed
    ]
    text = table(["ACCOUNT", "WHERE", "CREDENTIAL"], [[a.name, a.where, credential] for a, credential in listed])
    return data, text


COMMANDS: dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]] = {
    "accounts": cmd_accounts,
}


def add_parsers(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    accounts = sub.add_parser(
        "accounts",
        help="the PagerDuty accounts pdtray knows",
        description="List the accounts, or add one, remove one, or store an account's API key (from stdin).",
    )
    accounts.add_argument("action", nargs="?", choices=["list", "add", "remove", "set-key"], default="list")
    accounts.add_argument("name", nargs="?", metavar="NAME")
    accounts.add_argument("--client-id", metavar="ID", help="add: the account's OAuth app, for pdtray login")
    add_common(accounts)
