"""How long to wait before trying a request again, and how many times.

Kept apart from the client so the numbers can be read (and tested) without a network.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: a tray app must give up and show the problem rather than hang on a dead service."""

    #: attempts after the first for 5xx, 408 and network errors
    max_server_retries: int = 3
    #: attempts after the first for 429
    max_rate_limit_retries: int = 4
    #: first backoff, doubled each attempt up to ``max_backoff``
    base_backoff: float = 0.5
    max_backoff: float = 30.0
    #: a rate-limit reset further away than this is not waited for: the caller is told when to come back
    max_rate_limit_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number ``attempt`` (0-based).

        The jitter keeps many pdtray instances that lost the network together from coming back in lockstep.
        """
        ceiling = min(self.max_backoff, self.base_backoff * (2**attempt))
        return ceiling * self.rng.uniform(0.5, 1.0)


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds until the rate limit resets, from ``ratelimit-reset`` or ``Retry-After``; None when neither says.

    PagerDuty sends ``ratelimit-reset`` as seconds; ``Retry-After`` may be seconds or an HTTP date, and a date is
    treated as unknown rather than trusting two clocks to agree.
    """
    for name in ("ratelimit-reset", "retry-after"):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw.strip())
        except ValueError:
            continue
        if value >= 0:
            return value
    return None
