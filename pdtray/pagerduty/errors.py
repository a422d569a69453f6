"""Typed failures of the PagerDuty client.

Every exception carries a message a person can act on, because the tray tooltip, the settings dialog and the
command line show ``str(error)`` as it is. None of them ever includes the token: messages are built only from the
status code, PagerDuty's own error text and what was being asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class ErrorBody:
    """What PagerDuty said in an error response, whichever of its several shapes it used."""

    message: str | None = None
    code: int | None = None
    details: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One line for a person: the message, then the details PagerDuty listed."""
        # PagerDuty often repeats the message as the only detail; say it once.
        parts = list(dict.fromkeys(p for p in (self.message, *self.details) if p))
        if not parts:
            return ""
        head, *rest = parts
        return head + (" — " + "; ".join(rest) if rest else "")


def _as_strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float) and str(v).strip())
    return ()


def parse_error_body(content: bytes) -> ErrorBody:
    """Reads an error response without trusting its shape.

    PagerDuty's documented shape is ``{"error": {"message", "code", "errors": [...]}}`` but real responses also
    use ``error`` as a string (/users/me with an account token), ``errors`` as a string (override creation), ``error``
    as a list (change events), a top-level ``message`` (Events API v2) or a body that is not JSON at all.
    """
    try:
        body = json.loads(content.decode("utf-8")) if content else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ErrorBody()
    if not isinstance(body, dict):
        return ErrorBody()
    error = body.get("error")
    message: str | None = None
    code: int | None = None
    details: tuple[str, ...] = ()
    if isinstance(error, dict):
        message = error.get("message") if isinstance(error.get("message"), str) else None
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        details = _as_strings(error.get("errors"))
    elif isinstance(error, str):
        message = error
    elif isinstance(error, list):
        details = _as_strings(error)
    if message is None and isinstance(body.get("message"), str):
        message = body["message"]
    details = details or _as_strings(body.get("errors"))
    return ErrorBody(message=message, code=code, details=details)


class PagerDutyError(Exception):
    """Base of every failure the client raises; ``str()`` is the message to show."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PagerDutyError):
    """The request was not sent because pdtray's own settings are wrong (URL, region, missing token)."""


class InsecureURLError(ConfigurationError):
    """Refused to send the token over plain http to a host that is not this machine."""


class CredentialsError(PagerDutyError):
    """The token is missing, rejected, or not allowed to do what was asked; the fix is in Settings."""


class TokenMissingError(CredentialsError):
    """No token in the environment or the keyring."""


class TokenRejectedError(CredentialsError):
    """HTTP 401: a wrong or revoked token, or a token of the other service region."""


class SignInAgainError(CredentialsError):
    """Signed in with PagerDuty, but the refresh token no longer works (revoked, expired, the app removed): only
    signing in again helps."""


class AccessDeniedError(CredentialsError):
    """HTTP 403: the token is valid but lacks access (read-only key, role, or missing ability)."""


class UserTokenRequiredError(CredentialsError):
    """HTTP 400 from /users/me: an account-level token cannot say who "me" is."""


class ServiceError(PagerDutyError):
    """PagerDuty (or the path to it) failed; retrying later may help."""


class NotFoundError(ServiceError):
    """HTTP 404 for something named in the message."""


class BadRequestError(ServiceError):
    """Any other 4xx: PagerDuty refused the request as given."""


class RateLimitedError(ServiceError):
    """HTTP 429 that did not clear within the retries the client allows."""

    def __init__(self, message: str, *, retry_after: float | None, status: int = 429) -> None:
        super().__init__(message, status=status, code=2020)
        self.retry_after = retry_after


class ServerError(ServiceError):
    """5xx (or 408) that did not clear within the retries."""


class NetworkError(ServiceError):
    """No HTTP answer at all: DNS, refused connection, TLS or timeout."""


class TLSVerificationError(NetworkError):
    """The server's certificate was not trusted: a TLS-inspecting proxy, a missing CA, or the wrong host."""


class UncertainOutcomeError(ServiceError):
    """A write whose answer was lost after it may have reached PagerDuty (reset, timeout, 5xx).

    It is never sent again automatically, because PagerDuty may have carried it out: a second page would page
    twice. The message tells the person to check before trying again."""


class MalformedTokenError(CredentialsError):
    """The token holds a character no PagerDuty token has (a pasted zero-width space, a line break)."""


class TruncatedListError(ServiceError):
    """A list PagerDuty would not give in full (its 10,000 offset cap, or pages that stopped short).

    ``partial`` holds what did arrive, so that a caller able to say "incomplete" can still use it; nobody may
    present it as the whole list."""

    def __init__(self, message: str, *, partial: list[object]) -> None:
        super().__init__(message)
        self.partial = partial


class InvalidResponseError(ServiceError):
    """A 2xx answer whose body is not the JSON pdtray expects."""


def error_for_response(response: httpx.Response, *, what: str, me: bool = False) -> PagerDutyError:
    """Maps a final (non-retried) error response to the exception a person can act on.

    ``what`` names the thing asked for ("schedule PABC123") so a 404 can say what is missing; ``me`` marks a
    /users/me request, whose 400 means an account-level token.
    """
    status = response.status_code
    body = parse_error_body(response.content)
    said = body.describe()
    suffix = f" PagerDuty said: {said}" if said else ""
    if status == 401:
        return TokenRejectedError(
            "PagerDuty rejected the API token (HTTP 401). Check the token in Settings (or PAGERDUTY_TOKEN), and "
            "the service region: a token from an EU account works only with region 'eu', a US one only with 'us'."
            + suffix,
            status=status,
            code=body.code,
        )
    if status == 403:
        return AccessDeniedError(
            f"The API token is not allowed to access {what} (HTTP 403). A read-only token cannot change "
            "anything, and a user token can do only what that user's role allows." + suffix,
            status=status,
            code=body.code,
        )
    if status == 400 and me:
        return UserTokenRequiredError(
            "This is an account-level API token, so PagerDuty cannot tell who you are and pdtray cannot show "
            "your own shifts. Create a user token (PagerDuty: My Profile > User Settings > Create API User Token) "
            "and use that instead.",
            status=status,
            code=body.code,
        )
    if status == 404:
        return NotFoundError(
            f"PagerDuty has no {what} (HTTP 404); check the ID, and that the token's account is the one that "
            "has it." + suffix,
            status=status,
            code=body.code,
        )
    if status == 429:
        return RateLimitedError(
            "PagerDuty's rate limit is still exceeded after retrying; pdtray will try again later." + suffix,
            retry_after=None,
        )
    if status >= 500 or status == 408:
        return ServerError(
            f"PagerDuty answered with a server error (HTTP {status}) and kept doing so after retries; "
            "it may be having an incident of its own (see status.pagerduty.com)." + suffix,
            status=status,
            code=body.code,
        )
    return BadRequestError(
        f"PagerDuty refused the request for {what} (HTTP {status})." + suffix,
        status=status,
        code=body.code,
    )
