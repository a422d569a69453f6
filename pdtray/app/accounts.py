"""Several PagerDuty accounts: the first is the top-level settings (so a single-account setup is already account
1, with nothing to migrate: its keyring entries keep their names), the others are listed in ``accounts``, each with
its own region or URL, OAuth client ID, watched schedules and keyring entries (``account:<name>:…``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pdtray.app.settings import Settings, updated
from pdtray.pagerduty.errors import ConfigurationError

#: the first account's name when none is set
FIRST_ACCOUNT = "PagerDuty"


@dataclass(frozen=True)
class Account:
    name: str
    region: str = "us"
    api_url: str = ""
    oauth_client_id: str = ""
    watched_schedules: tuple[str, ...] = ()
    first: bool = False

    @property
    def keyring_prefix(self) -> str:
        """Prepended to this account's keyring usernames; empty for the first, whose entries predate accounts."""
        return "" if self.first else f"account:{self.name}:"

    @property
    def where(self) -> str:
        return self.api_url or {"us": "US", "eu": "EU"}.get(self.region, self.region)


def accounts_of(settings: Settings) -> list[Account]:
    first = Account(
        FIRST_ACCOUNT,
        settings.region,
        settings.api_url,
        settings.oauth_client_id,
        tuple(settings.watched_schedules),
        first=True,
    )
    others = [
        Account(a["name"], a["region"], a["api_url"], a["oauth_client_id"], tuple(a["watched_schedules"]))
        for a in settings.accounts
    ]
    return [first, *others]


def find(settings: Settings, name: str | None) -> Account:
    """The account called ``name`` (any case), the first when None."""
    known = accounts_of(settings)
    if name is None:
        return known[0]
    for account in known:
        if account.name.casefold() == name.strip().casefold():
            return account
    raise ConfigurationError(
        f"No account named '{name}'; `pdtray accounts` lists them ({', '.join(a.name for a in known)})."
    )


def settings_for(settings: Settings, account: Account) -> Settings:
    """The settings a command runs with for ``account``: its connection and watched schedules, the rest shared."""
    if account.first:
        return settings
    return replace(
        settings,
        region=account.region,
        api_url=account.api_url,
        oauth_client_id=account.oauth_client_id,
        watched_schedules=list(account.watched_schedules),
    )


def with_account(settings: Settings, name: str, **where: Any) -> Settings:
    """``settings`` with one more account (checked as settings.json is)."""
    if name.strip().casefold() == FIRST_ACCOUNT.casefold():
        raise ValueError(f"'{FIRST_ACCOUNT}' is the first account's name; choose another")
    clash = next((a for a in accounts_of(settings) if a.name.casefold() == name.strip().casefold()), None)
    if clash is not None:
        raise ValueError(f"there is already an account named '{clash.name}'")
    entry = {"name": name, "watched_schedules": [], **{k: v for k, v in where.items() if v is not None}}
    return updated(settings, accounts=[*settings.accounts, entry])


def without_account(settings: Settings, account: Account) -> Settings:
    if account.first:
        raise ValueError("the first account is the top-level settings; it cannot be removed, only changed")
    return updated(settings, accounts=[a for a in settings.accounts if a["name"] != account.name])
