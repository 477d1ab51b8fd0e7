"""Rate limits shared by every worker: the sliding window of pidgin/providers/rate_limit.py,
kept in a small PostgreSQL table instead of in one process's memory.

Each check runs in one transaction under an advisory lock per provider: it reads the
window's requests and tokens, decides with the same code as the in-process limiter, and,
when the request may go, records it before the lock is released, so two workers can
never both take the last slot. Times come from the database's clock, the one clock
every machine shares.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from eventlog.url import StoreURL
from pidgin.providers.rate_limit import WINDOW_SECONDS, RateLimiter, Wait

TABLE = """
CREATE TABLE IF NOT EXISTS pidgin_rate_usage (
    provider TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    requests INTEGER NOT NULL,
    tokens BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS pidgin_rate_usage_provider_at ON pidgin_rate_usage (provider, at)
"""
NOW = "SELECT extract(epoch FROM clock_timestamp())::double precision"


class SharedRateLimiter(RateLimiter):
    """A provider's limiter whose window lives in PostgreSQL (one per provider per process)."""

    def __init__(
        self,
        connection: Any,
        provider: str,
        requests_per_minute: int = 0,
        tokens_per_minute: int = 0,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        super().__init__(requests_per_minute, tokens_per_minute, window_seconds=window_seconds)
        self._connection = connection
        self._provider = provider
        self._reserved = False

    def wait_before(self, tokens: int) -> Wait | None:
        if self.unlimited:
            return None
        with self._connection.transaction():
            self._connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"pidgin-rate:{self._provider}",)
            )
            (now,) = self._connection.execute(NOW).fetchone()
            self._connection.execute(
                "DELETE FROM pidgin_rate_usage WHERE provider = %s AND at <= %s",
                (self._provider, now - self.window),
            )
            rows = self._connection.execute(
                "SELECT at, requests, tokens FROM pidgin_rate_usage WHERE provider = %s "
                "ORDER BY at",
                (self._provider,),
            ).fetchall()
            self._requests = deque(at for at, requests, _ in rows for _ in range(requests))
            self._tokens = deque((at, count) for at, _, count in rows if count)
            self._clock = lambda: now
            wait = super().wait_before(tokens)
            if wait is None:
                self._insert(now, 1, tokens)
                self._reserved = True
            return wait

    def record(self, tokens: int, *, request: bool = True) -> None:
        if self.unlimited:
            return
        if request and self._reserved:
            self._reserved = False  # Recorded when the slot was taken.
            return
        if tokens or request:
            with self._connection.transaction():
                (now,) = self._connection.execute(NOW).fetchone()
                self._insert(now, int(request), tokens)

    def _insert(self, at: float, requests: int, tokens: int) -> None:
        self._connection.execute(
            "INSERT INTO pidgin_rate_usage (provider, at, requests, tokens) "
            "VALUES (%s, %s, %s, %s)",
            (self._provider, at, requests, tokens),
        )


class SharedLimits:
    """One shared limiter per provider for this process, on one connection."""

    def __init__(self, url: StoreURL, window_seconds: float = WINDOW_SECONDS) -> None:
        from eventlog.postgres import check_postgres

        self._connection = check_postgres(url)
        self._connection.autocommit = True
        with self._connection.transaction():
            self._connection.execute("SELECT pg_advisory_xact_lock(hashtext('pidgin-rate-table'))")
            for statement in TABLE.split(";"):
                self._connection.execute(statement)
        self._window = window_seconds
        self._limiters: dict[str, SharedRateLimiter] = {}

    def limiter(
        self, provider: str, requests_per_minute: int, tokens_per_minute: int
    ) -> RateLimiter:
        found = self._limiters.get(provider)
        if found is None:
            found = self._limiters[provider] = SharedRateLimiter(
                self._connection, provider, requests_per_minute, tokens_per_minute, self._window
            )
        return found

    def close(self) -> None:
        self._connection.close()
