"""The wire: an async PagerDuty client with typed errors. No Qt, no domain logic.

The client (and with it httpx) is imported on first use, so code that only needs the error types, such as the
tray showing its cached state at start-up, does not pay for the network stack.
"""

from typing import TYPE_CHECKING, Any

from pdtray.pagerduty.errors import (
    AccessDeniedError,
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    InsecureURLError,
    InvalidResponseError,
    MalformedTokenError,
    NetworkError,
    NotFoundError,
    PagerDutyError,
    RateLimitedError,
    ServerError,
    ServiceError,
    SignInAgainError,
    TLSVerificationError,
    TokenMissingError,
    TokenRejectedError,
    TruncatedListError,
    UncertainOutcomeError,
    UserTokenRequiredError,
)
from pdtray.pagerduty.httpx_cli import keep_httpx_lean

keep_httpx_lean()  # before the client (or anything else) imports httpx

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient, authorization_header
    from pdtray.pagerduty.retry import RetryPolicy
    from pdtray.pagerduty.service_urls import Region, ServiceURLs

#: what is imported on first use, by the module that holds it (the tray's first look needs only the errors)
_ON_FIRST_USE = {
    "PagerDutyClient": "client",
    "authorization_header": "client",
    "RetryPolicy": "retry",
    "Region": "service_urls",
    "ServiceURLs": "service_urls",
}


def __getattr__(name: str) -> Any:
    if name in _ON_FIRST_USE:
        from importlib import import_module

        return getattr(import_module(f"pdtray.pagerduty.{_ON_FIRST_USE[name]}"), name)
    raise AttributeError(f"module 'pdtray.pagerduty' has no attribute {name!r}")


__all__ = [
    "AccessDeniedError",
    "BadRequestError",
    "ConfigurationError",
    "CredentialsError",
    "InsecureURLError",
    "InvalidResponseError",
    "MalformedTokenError",
    "NetworkError",
    "NotFoundError",
    "PagerDutyClient",
    "PagerDutyError",
    "RateLimitedError",
    "Region",
    "RetryPolicy",
    "ServerError",
    "ServiceError",
    "ServiceURLs",
    "SignInAgainError",
    "TLSVerificationError",
    "TokenMissingError",
    "TokenRejectedError",
    "TruncatedListError",
    "UncertainOutcomeError",
    "UserTokenRequiredError",
    "authorization_header",
]
