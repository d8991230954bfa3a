"""When to try a request again, and how long to wait first.

Only idempotent requests are retried, only after a connection error or a 408, 423, 429, 500,
502, 503 or 504, within a total deadline. `Retry-After` is honoured; if it asks for more time
than the deadline leaves, we give up at once rather than sleep past it. `sleep`, `jitter` and
`clock` are injectable so tests run instantly and deterministically.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sitegen.webdav.errors import WebDAVError

RETRY_STATUSES = frozenset({408, 423, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "PUT", "DELETE"})


def equal_jitter(delay: float) -> float:
    """Half the delay fixed, half random: spreads clients out without ever retrying at once."""
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base_delay: float = 0.25
    max_delay: float = 20.0
    deadline: float = 120.0  # seconds for one request, all its tries and waits included
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[float], float] = field(default=equal_jitter, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def backoff(self, retry_number: int) -> float:
        """The wait before retry number `retry_number` (1-based) when the server gave no hint."""
        return self.jitter(min(self.max_delay, self.base_delay * 2 ** (retry_number - 1)))


NO_RETRY = RetryPolicy(attempts=1)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class Transient(Exception):
    """One try failed in a way worth trying again (if the request may be repeated)."""

    def __init__(self, error: WebDAVError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
