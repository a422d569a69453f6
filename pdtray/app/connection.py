"""Which PagerDuty to talk to and with what token, from arguments, the environment, settings or the demo."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pdtray.app.secrets import Token, TokenOrigin, load_token
from pdtray.app.settings import Settings
from pdtray.pagerduty.service_urls import resolve

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient
    from pdtray.pagerduty.oauth import OAuthCredentials

API_URL_ENV = "PAGERDUTY_API_URL"


@dataclass(frozen=True)
class Connection:
    token: Token
    region: str = "us"
    base_url: str | None = None
    #: signed in with OAuth: one set of credentials for every client of this connection, so that a renewal
    #: (which rotates the refresh token) is seen by all of them
    oauth: OAuthCredentials | None = field(default=None, compare=False, repr=False)
    #: which account's keyring entries a renewed sign-in goes back to
    keyring_prefix: str = ""

    def __post_init__(self) -> None:
        if self.token.origin is TokenOrigin.OAUTH and self.oauth is None:
            from pdtray.app.sign_in import SignedIn

            object.__setattr__(self, "oauth", SignedIn.from_json(self.token.value, self.keyring_prefix).credentials())

    def client(self, **options: object) -> PagerDutyClient:
        from pdtray.pagerduty.client import PagerDutyClient

        if self.oauth is not None:
            return PagerDutyClient(self.oauth, region=self.region, base_url=self.base_url, **options)  # type: ignore[arg-type]
        return PagerDutyClient(self.token.value, region=self.region, base_url=self.base_url, **options)  # type: ignore[arg-type]

    @property
    def is_demo(self) -> bool:
        return self.token.origin is TokenOrigin.DEMO


def resolve_connection(
    settings: Settings,
    *,
    api_url: str | None = None,
    region: str | None = None,
    token: Token | None = None,
    keyring_prefix: str = "",
) -> Connection:
    """Command-line arguments win over the environment, which wins over settings.json.

    The URL is checked before the token is looked up, so a bad URL is reported without touching the keyring.
    """
    # PAGERDUTY_API_URL, like PAGERDUTY_TOKEN, stands for the first account (the one without a keyring prefix)
    from_env = os.environ.get(API_URL_ENV) if not keyring_prefix else None
    base_url = api_url or from_env or settings.api_url or None
    chosen_region = region or settings.region
    resolve(chosen_region, base_url)
    return Connection(
        token=token or load_token(keyring_prefix),
        region=chosen_region,
        base_url=base_url,
        keyring_prefix=keyring_prefix,
    )


@contextmanager
def demo_connection() -> Iterator[Connection]:
    """Starts the embedded demo PagerDuty for as long as the block runs; no token or account needed."""
    from pdtray.app.demo_epoch import demo_start
    from pdtray.demo.server import DemoServer

    with DemoServer.from_environment(demo_start()) as server:
        yield Connection(token=Token(server.token, TokenOrigin.DEMO), base_url=server.url)
