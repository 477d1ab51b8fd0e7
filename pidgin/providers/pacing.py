"""How each agent's requests are paced: its retry policy and its provider's rate limiter."""

from __future__ import annotations

from dataclasses import dataclass, field

from pidgin.providers.rate_limit import RateLimiter
from pidgin.providers.registry import ProviderSettings
from pidgin.providers.retry import RetryPolicy


@dataclass(frozen=True)
class Pacing:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: RateLimiter = field(default_factory=RateLimiter)


class PacingFactory:
    """Builds pacing from provider settings, sharing one limiter per provider."""

    def __init__(self) -> None:
        self._limiters: dict[str, RateLimiter] = {}

    def for_provider(self, settings: ProviderSettings) -> Pacing:
        limiter = self._limiters.setdefault(
            settings.name,
            RateLimiter(settings.requests_per_minute, settings.tokens_per_minute),
        )
        retry = RetryPolicy(
            max_attempts=max(1, settings.max_attempts),
            base_delay=settings.retry_base_delay,
            max_delay=settings.retry_max_delay,
        )
        return Pacing(retry=retry, limiter=limiter)
