"""The wire: an async PagerDuty client with typed errors. No Qt, no domain logic."""

from pdtray.pagerduty.client import PagerDutyClient, authorization_header
from pdtray.pagerduty.errors import (
    AccessDeniedError,
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    InsecureURLError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PagerDutyError,
    RateLimitedError,
    ServerError,
    ServiceError,
    TokenMissingError,
    TokenRejectedError,
    UserTokenRequiredError,
)
from pdtray.pagerduty.retry import RetryPolicy
from pdtray.pagerduty.service_urls import Region, ServiceURLs

__all__ = [
    "AccessDeniedError",
    "BadRequestError",
    "ConfigurationError",
    "CredentialsError",
    "InsecureURLError",
    "InvalidResponseError",
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
    "TokenMissingError",
    "TokenRejectedError",
    "UserTokenRequiredError",
    "authorization_header",
]
