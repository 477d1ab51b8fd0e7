"""Model providers behind one streaming interface, and the registry that names them."""

from __future__ import annotations

from pidgin.errors import PidginError
from pidgin.providers.base import Provider, ProviderError, ResponseUsage
from pidgin.providers.registry import ModelInfo, UnknownModelError, resolve_model

__all__ = [
    "ModelInfo",
    "Provider",
    "ProviderError",
    "ResponseUsage",
    "UnknownModelError",
    "create_provider",
    "resolve_model",
]


def create_provider(info: ModelInfo) -> Provider:
    """A ready provider for a registry entry. SDK-backed providers import their SDK here."""
    if info.provider == "local" and info.model == "test":
        from pidgin.providers.local_test import LocalTestProvider

        return LocalTestProvider(info.model)
    raise PidginError(f"provider {info.provider!r} is not available in this version")
