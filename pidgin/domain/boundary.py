"""The boundary between what a user gives and what the log records.

The log is append-only: a credential or a value no projection can hold, once recorded,
is there for ever. So every setting that becomes an event (a conversation's start, an
experiment's spec and settings) passes :func:`recordable` and :func:`check_ranges` at the
one place it becomes an event, whichever command, file or variable it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from eventlog.redact import MASK, looks_like_url, redact_url

MAX_SEED = 2**63 - 1
"""Seeds are 0..2^63-1: what a BIGINT column, and every sampler Pidgin passes them to,
can hold."""

MAX_TURNS = 100_000
"""The most turns a conversation may be given (as the spec file allows)."""

SECRET_WORDS = frozenset(
    {"password", "passwd", "secret", "token", "key", "apikey", "credential", "credentials"}
)
"""A text setting whose name has one of these words (``api_key``, ``access_token``) is
recorded as ``***``; counts such as ``max_total_tokens`` are numbers, never masked."""


class SettingError(ValueError):
    """A setting that must not be recorded as given (out of range, not finite)."""


def recordable(value: Any) -> Any:
    """``value`` as it may be recorded: every string that is a URL loses its credentials
    (userinfo, secret query parameters), every credential-named key its value.

    Free text (a prompt, a system prompt) is left as written: it is what the models saw.
    """
    if isinstance(value, str):
        return redact_url(value) if looks_like_url(value) else value
    if isinstance(value, Mapping):
        return {
            key: MASK if _secret_key(key) and isinstance(item, str) else recordable(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [recordable(item) for item in value]
    return value


def _secret_key(key: object) -> bool:
    return not SECRET_WORDS.isdisjoint(re.split(r"[^a-z0-9]+", str(key).lower()))


def check_seed(seed: object, what: str = "seed") -> None:
    """Raise :class:`SettingError` unless ``seed`` is None or an integer in 0..2^63-1."""
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise SettingError(f"{what} must be a whole number from 0 to {MAX_SEED}, not {seed!r}")


def check_number(value: object, what: str, low: float, high: float) -> None:
    """Raise :class:`SettingError` unless ``value`` is None or a finite number in
    ``low..high``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingError(f"{what} must be a number, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise SettingError(f"{what} must be a finite number from {low:g} to {high:g}, not {value}")


def check_agent(agent: Mapping[str, Any], name: str) -> None:
    """An agent's recorded numbers: temperature 0..2, prices finite and not negative."""
    check_number(agent.get("temperature"), f"agent {name}'s temperature", 0.0, 2.0)
    for price in ("input_price_per_million", "output_price_per_million"):
        check_number(agent.get(price), f"agent {name}'s {price}", 0.0, 1e9)
