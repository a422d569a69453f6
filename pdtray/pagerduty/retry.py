"""How long to wait before trying a request again, and how many times.

Kept apart from the client so the numbers can be read (and tested) without a network.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})
#: a server's "wait N seconds" is kept within these: 0 would make a hot loop, a huge value would stop refreshing
#: for good (or overflow a timer)
MIN_RATE_LIMIT_WAIT = 1.0
MAX_RATE_LIMIT_WAIT = 3600.0


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
    #: one request with all its retries and waits gives up after this many seconds, so that no answer, however
    #: slow or trickling, keeps a caller waiting longer
    deadline: float = 60.0
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
    treated as unknown rather than trusting two clocks to agree. The value is clamped to
    [MIN_RATE_LIMIT_WAIT, MAX_RATE_LIMIT_WAIT]: a header is input from the network like any other.
    """
    for name in ("ratelimit-reset", "retry-after"):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw.strip())
        except ValueError:
            continue
        if math.isnan(value) or value < 0:
            continue
        return min(MAX_RATE_LIMIT_WAIT, max(MIN_RATE_LIMIT_WAIT, value))
    return None
