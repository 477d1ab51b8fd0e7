"""Client-side rate limiting per provider, so an experiment does not hammer a provider.

A sliding one-minute window of requests and tokens. The conductor asks how long to wait
before a request (and records the wait as a RateLimited event), then records what the
request used.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Wait:
    seconds: float
    reason: str
    """``requests_per_minute`` or ``tokens_per_minute``: the limit that is full."""


class RateLimiter:
    """Limits of 0 mean no limit. One limiter is shared by every agent of a provider."""

    def __init__(
        self,
        requests_per_minute: int = 0,
        tokens_per_minute: int = 0,
        clock: Callable[[], float] = time.monotonic,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        """``window_seconds`` is a minute except in tests that cannot wait one."""
        self.window = window_seconds
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._requests: deque[float] = deque()
        self._tokens: deque[tuple[float, int]] = deque()

    @property
    def unlimited(self) -> bool:
        return self.requests_per_minute <= 0 and self.tokens_per_minute <= 0

    def _prune(self, now: float) -> None:
        while self._requests and self._requests[0] <= now - self.window:
            self._requests.popleft()
        while self._tokens and self._tokens[0][0] <= now - self.window:
            self._tokens.popleft()

    def wait_before(self, tokens: int) -> Wait | None:
        """How long a request expected to use ``tokens`` must wait, or None to go now."""
        now = self._clock()
        self._prune(now)
        waits: list[Wait] = []
        rpm = self.requests_per_minute
        if rpm > 0 and len(self._requests) >= rpm:
            oldest = self._requests[len(self._requests) - rpm]
            waits.append(Wait(oldest + self.window - now, "requests_per_minute"))
        tpm = self.tokens_per_minute
        if tpm > 0:
            wanted = min(tokens, tpm)  # A request larger than the budget waits for an empty window.
            used = sum(count for _, count in self._tokens)
            for at, count in self._tokens:
                if used + wanted <= tpm:
                    break
                used -= count
                waits.append(Wait(at + self.window - now, "tokens_per_minute"))
        if not waits:
            return None
        longest = max(waits, key=lambda wait: wait.seconds)
        return Wait(max(0.001, longest.seconds), longest.reason)

    def record(self, tokens: int, *, request: bool = True) -> None:
        """Count a request (and the tokens it used or is expected to use) in the window."""
        now = self._clock()
        if request:
            self._requests.append(now)
        if tokens:
            self._tokens.append((now, tokens))


def estimate_tokens(text_length: int) -> int:
    """A rough token estimate before the provider reports the real count: 4 characters each."""
    return max(1, text_length // 4)
