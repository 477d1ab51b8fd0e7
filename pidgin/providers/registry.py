"""The model registry: resolve what a user typed (``local:test``, ``test``) to a model.

The registry is data (``models.toml`` beside this module), not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pidgin.errors import PidginError


@dataclass(frozen=True)
class ModelInfo:
    """One registry entry. Prices are US dollars per million tokens."""

    name: str
    provider: str
    model: str
    display_name: str
    aliases: tuple[str, ...]
    context_window: int
    input_price_per_million: float
    output_price_per_million: float
    description: str = ""


class UnknownModelError(PidginError):
    """A model name that is neither a registry name nor an alias."""


@cache
def load_registry() -> dict[str, ModelInfo]:
    """All registered models by canonical name, read from the packaged data file."""
    text = resources.files("pidgin.providers").joinpath("models.toml").read_text("utf-8")
    entries = tomllib.loads(text)["models"]
    return {
        name: ModelInfo(
            name=name,
            provider=entry["provider"],
            model=entry["model"],
            display_name=entry["display_name"],
            aliases=tuple(entry.get("aliases", ())),
            context_window=entry["context_window"],
            input_price_per_million=entry["input_price_per_million"],
            output_price_per_million=entry["output_price_per_million"],
            description=entry.get("description", ""),
        )
        for name, entry in entries.items()
    }


def resolve_model(name: str) -> ModelInfo:
    """The registry entry for ``name`` (canonical or alias), or a clear error."""
    registry = load_registry()
    wanted = name.strip().lower()
    if wanted in registry:
        return registry[wanted]
    for info in registry.values():
        if wanted in info.aliases:
            return info
    accepted = ", ".join(sorted(registry))
    raise UnknownModelError(f"unknown model {name!r}; available models: {accepted}")
