"""Where PagerDuty lives: the two service regions, a custom base URL, and the rule against plain http."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from pdtray.pagerduty.errors import ConfigurationError, InsecureURLError


class Region(StrEnum):
    US = "us"
    EU = "eu"


REST_URLS = {Region.US: "https://api.pagerduty.com", Region.EU: "https://api.eu.pagerduty.com"}
EVENTS_URLS = {
    Region.US: "https://events.pagerduty.com/v2/enqueue",
    Region.EU: "https://events.eu.pagerduty.com/v2/enqueue",
}


@dataclass(frozen=True)
class ServiceURLs:
    """The REST API base and the Events API v2 enqueue URL one client talks to."""

    rest: str
    events: str


def is_loopback_host(host: str) -> bool:
    """True for addresses that never leave this machine, where plain http cannot leak the token."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Returns the URL without a trailing slash, or raises a ConfigurationError that says what to fix."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            f"'{url}' is not a usable PagerDuty API URL; it should look like https://api.pagerduty.com."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureURLError(
            f"Refusing to send the API token over plain http to {parts.hostname}; use an https:// URL "
            "(plain http is allowed only for this machine, such as 127.0.0.1)."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"The API URL '{url}' must not contain '?' or '#' parts.")
    return url.strip().rstrip("/")


def resolve(
    region: str | Region = Region.US, base_url: str | None = None, events_url: str | None = None
) -> ServiceURLs:
    """Picks the URLs for a region, or for a custom base URL (a proxy, or the demo server).

    A custom base URL also serves /v2/enqueue unless ``events_url`` says otherwise, which is how the demo server
    and most corporate proxies are laid out.
    """
    if base_url:
        rest = check_url(base_url)
        return ServiceURLs(rest=rest, events=check_url(events_url) if events_url else rest + "/v2/enqueue")
    try:
        chosen = Region(str(region).lower())
    except ValueError:
        raise ConfigurationError(
            f"Unknown PagerDuty service region '{region}'; use 'us' or 'eu' (or a custom API URL)."
        ) from None
    return ServiceURLs(rest=REST_URLS[chosen], events=check_url(events_url) if events_url else EVENTS_URLS[chosen])
