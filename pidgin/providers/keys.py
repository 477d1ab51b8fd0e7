"""API keys: read from the environment at the last moment, never stored, never printed.

A missing key is a one-line error naming the variable, raised while the agents are
being set up, so nothing is recorded for a conversation that could not have run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from pidgin.errors import PidginError
from pidgin.providers.registry import ProviderSettings, load_registry_data


class MissingKeyError(PidginError):
    """A provider needs an API key and none of its variables is set."""


def api_key(settings: ProviderSettings) -> str | None:
    """The first non-empty variable of ``settings.key_env``, or None."""
    for variable in settings.key_env:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


def require_api_key(settings: ProviderSettings) -> str | None:
    """The provider's key; raises :class:`MissingKeyError` when a needed key is unset."""
    key = api_key(settings)
    if key is None and settings.key_env and not settings.key_optional:
        names = " or ".join(settings.key_env)
        raise MissingKeyError(f"{settings.name} needs an API key: set {names}")
    return key


def require_api_keys(providers: Iterable[ProviderSettings]) -> None:
    """Check every provider's key at once: one line names every missing variable, so a
    run with two hosted agents is not refused one key at a time."""
    missing: list[str] = []
    seen: set[str] = set()
    for settings in providers:
        if settings.name in seen:
            continue
        seen.add(settings.name)
        try:
            require_api_key(settings)
        except MissingKeyError as error:
            missing.append(str(error))
    if missing:
        raise MissingKeyError("; ".join(missing))


def key_is_set(settings: ProviderSettings) -> bool:
    """Whether the provider can be used as far as keys go (no key needed counts as set)."""
    return not settings.key_env or settings.key_optional or api_key(settings) is not None


FALLBACK_KEY_VARIABLES = frozenset(
    {
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "XAI_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "OPENAI_COMPATIBLE_API_KEY",
    }
)
"""Always treated as secret, even when the registry cannot be read."""


def known_secrets() -> list[str]:
    """The values of every API-key variable the registry names that is set right now."""
    variables = set(FALLBACK_KEY_VARIABLES)
    # A broken user file must not stop errors and logs from being redacted.
    with contextlib.suppress(PidginError):
        variables |= {v for s in load_registry_data().providers.values() for v in s.key_env}
    values = {os.environ.get(v, "").strip() for v in variables}
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)
