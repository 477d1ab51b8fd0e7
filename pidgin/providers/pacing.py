"""How each agent's requests are paced: its retry policy and its provider's rate limiter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pidgin.providers.rate_limit import RateLimiter
from pidgin.providers.registry import ProviderSettings
from pidgin.providers.retry import RetryPolicy


@dataclass(frozen=True)
class Pacing:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: RateLimiter = field(default_factory=RateLimiter)


MakeLimiter = Callable[[str, int, int], RateLimiter]
"""(provider, requests per minute, tokens per minute) → its limiter."""


def _process_limiter(
    provider: str, requests_per_minute: int, tokens_per_minute: int
) -> RateLimiter:
    return RateLimiter(requests_per_minute, tokens_per_minute)


class PacingFactory:
    """Builds pacing from provider settings, sharing one limiter per provider.

    ``make_limiter`` gives limiters of another kind: workers on several machines share
    theirs through PostgreSQL (pidgin/distributed/shared_limit.py).
    """

    def __init__(self, make_limiter: MakeLimiter | None = None) -> None:
        self._limiters: dict[str, RateLimiter] = {}
        self._make_limiter = make_limiter or _process_limiter

    def for_provider(self, settings: ProviderSettings) -> Pacing:
        limiter = self._limiters.get(settings.name)
        if limiter is None:
            limiter = self._limiters[settings.name] = self._make_limiter(
                settings.name, settings.requests_per_minute, settings.tokens_per_minute
            )
        retry = RetryPolicy(
            max_attempts=max(1, settings.max_attempts),
            base_delay=settings.retry_base_delay,
            max_delay=settings.retry_max_delay,
        )
        return Pacing(retry=retry, limiter=limiter)
