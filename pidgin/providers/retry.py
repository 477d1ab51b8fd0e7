"""When to try a failed request again, and how long to wait first.

Exponential backoff with jitter: the n-th retry waits about ``base × 2^(n-1)`` seconds
(capped at ``max_delay``), scaled by a random factor in [0.5, 1) so that many clients
that failed together do not retry together. A provider's Retry-After is honoured.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pidgin.providers.base import ProviderError


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    """Attempts per message, the first included; 1 means never retry."""
    base_delay: float = 1.0
    max_delay: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry(self, error: ProviderError, attempt: int) -> bool:
        """Whether attempt number ``attempt`` (1-based), which failed with ``error``, gets
        another try."""
        return error.retryable and attempt < self.max_attempts

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        jittered: float = backoff * (0.5 + self.rng.random() / 2)
        return jittered if retry_after is None else max(jittered, retry_after)
