"""The model registry: resolve what a user typed (``claude``, ``openai:gpt-4o``) to a model.

The registry is data, not code: ``models.toml`` beside this module, merged with the
user's own ``$XDG_CONFIG_HOME/pidgin/models.toml`` (``~/.config/pidgin/models.toml``),
whose entries add models or override packaged ones. Prices are US dollars per million
tokens.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import msgspec

from pidgin.errors import PidginError

PROVIDERS = (
    "anthropic",
    "openai",
    "xai",
    "google",
    "ollama",
    "openai-compatible",
    "openrouter",
    "local",
)
"""Every provider Pidgin can talk to."""

OPEN_PROVIDERS = frozenset(
    {"ollama", "openai-compatible", "anthropic", "openai", "xai", "google", "openrouter"}
)
PARAMETERS = ("temperature", "seed", "thinking")
"""Request parameters a model may accept; the registry lists each model's."""
DEFAULT_PARAMETERS = ("temperature", "seed")
"""Providers whose unregistered models may be named directly as ``provider:model``."""


@dataclass(frozen=True)
class ModelInfo:
    """One registry entry. Prices are US dollars per million tokens (None: not known)."""

    name: str
    provider: str
    model: str
    display_name: str
    aliases: tuple[str, ...]
    context_window: int
    input_price_per_million: float | None
    output_price_per_million: float | None
    description: str = ""
    base_url: str | None = None
    cache_read_price_per_million: float | None = None
    cache_write_price_per_million: float | None = None
    parameters: tuple[str, ...] = DEFAULT_PARAMETERS
    """What a request to the model may set (a reasoning model takes no temperature)."""
    max_output_tokens: int = 0


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach one provider and how gently to treat it."""

    name: str
    key_env: tuple[str, ...] = ()
    key_optional: bool = False
    base_url_env: str | None = None
    base_url: str | None = None
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    max_attempts: int = 4
    retry_base_delay: float = 1.0
    retry_max_delay: float = 30.0
    timeout: float = 120.0


class UnknownModelError(PidginError):
    """A model name that is neither a registry name, an alias nor ``provider:model``."""


# Ranges a registry value must be in (msgspec refuses NaN and infinities with them).
_COUNT = Annotated[int, msgspec.Meta(ge=0, le=2**31)]
_ATTEMPTS = Annotated[int, msgspec.Meta(ge=1, le=100)]
_SECONDS = Annotated[float, msgspec.Meta(ge=0, le=86_400)]
_TIMEOUT = Annotated[float, msgspec.Meta(gt=0, le=86_400)]
_PRICE = Annotated[float, msgspec.Meta(ge=0, le=1e9)]


class _ModelEntry(msgspec.Struct, forbid_unknown_fields=True):
    provider: str
    model: str
    display_name: str | None = None
    aliases: list[str] = msgspec.field(default_factory=list)
    context_window: _COUNT = 0
    input_price_per_million: _PRICE | None = None
    output_price_per_million: _PRICE | None = None
    description: str = ""
    base_url: str | None = None
    cache_read_price_per_million: float | None = None
    cache_write_price_per_million: float | None = None
    parameters: list[str] | None = None
    max_output_tokens: int = 0


class _ProviderEntry(msgspec.Struct, forbid_unknown_fields=True):
    key_env: list[str] | None = None
    key_optional: bool | None = None
    base_url_env: str | None = None
    base_url: str | None = None
    requests_per_minute: _COUNT | None = None
    tokens_per_minute: _COUNT | None = None
    max_attempts: _ATTEMPTS | None = None
    retry_base_delay: _SECONDS | None = None
    retry_max_delay: _SECONDS | None = None
    timeout: _TIMEOUT | None = None


class _RegistryFile(msgspec.Struct, forbid_unknown_fields=True):
    models: dict[str, _ModelEntry] = msgspec.field(default_factory=dict)
    providers: dict[str, _ProviderEntry] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    models: dict[str, ModelInfo]
    providers: dict[str, ProviderSettings]


def user_registry_path() -> Path:
    """Where a user's own models live: ``$XDG_CONFIG_HOME/pidgin/models.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pidgin" / "models.toml"


def _parse(text: str, source: str) -> _RegistryFile:
    """The file's entries, each converted on its own so an error names its table and key
    (``providers.openai.max_attempts: Expected `int` >= 1``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PidginError(f"model registry {source} is not valid: {error}") from None
    unknown = sorted(set(data) - {"models", "providers"})
    if unknown:
        raise PidginError(
            f"model registry {source}: unknown table {unknown[0]!r}; allowed: models, providers"
        )
    parsed = _RegistryFile()
    for section, kind, into in (
        ("models", _ModelEntry, parsed.models),
        ("providers", _ProviderEntry, parsed.providers),
    ):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            raise PidginError(f"model registry {source}: {section} must be a table")
        for name, entry in entries.items():
            try:
                into[name] = msgspec.convert(entry, kind)  # type: ignore[assignment]
            except msgspec.ValidationError as error:
                problem, _, where = str(error).rpartition(" - at `$")
                key = f"{section}.{name}{where.rstrip('`')}" if problem else f"{section}.{name}"
                raise PidginError(f"model registry {source}: {key}: {problem or error}") from None
    return parsed


def _merge(registry: Registry, data: _RegistryFile, source: str) -> Registry:
    models = dict(registry.models)
    providers = dict(registry.providers)
    for name, entry in data.providers.items():
        if name not in PROVIDERS:
            raise PidginError(
                f"model registry {source}: unknown provider {name!r}; known: {', '.join(PROVIDERS)}"
            )
        current = providers.get(name, ProviderSettings(name))
        changes: dict[str, Any] = {
            field: value
            for field, value in msgspec.structs.asdict(entry).items()
            if value is not None
        }
        if "key_env" in changes:
            changes["key_env"] = tuple(changes["key_env"])
        providers[name] = replace(current, **changes)
    for name, model in data.models.items():
        if model.provider not in PROVIDERS:
            raise PidginError(
                f"model registry {source}: model {name!r} has unknown provider {model.provider!r}"
            )
        canonical = name.strip().lower()
        unknown = set(model.parameters or ()) - set(PARAMETERS)
        if unknown:
            raise PidginError(
                f"model registry {source}: model {name!r} lists unknown parameters "
                f"{sorted(unknown)}; known: {', '.join(PARAMETERS)}"
            )
        models[canonical] = ModelInfo(
            name=canonical,
            provider=model.provider,
            model=model.model,
            display_name=model.display_name or model.model,
            aliases=tuple(alias.lower() for alias in model.aliases),
            context_window=model.context_window,
            input_price_per_million=model.input_price_per_million,
            output_price_per_million=model.output_price_per_million,
            description=model.description,
            base_url=model.base_url,
            cache_read_price_per_million=model.cache_read_price_per_million,
            cache_write_price_per_million=model.cache_write_price_per_million,
            parameters=DEFAULT_PARAMETERS if model.parameters is None else tuple(model.parameters),
            max_output_tokens=model.max_output_tokens,
        )
    return Registry(models=models, providers=providers)


@cache
def load_registry_data() -> Registry:
    """The packaged registry merged with the user's file (read once per process)."""
    packaged = resources.files("pidgin.providers").joinpath("models.toml").read_text("utf-8")
    empty = Registry(models={}, providers={name: ProviderSettings(name) for name in PROVIDERS})
    registry = _merge(empty, _parse(packaged, "models.toml (packaged)"), "models.toml (packaged)")
    user_file = user_registry_path()
    if user_file.is_file():
        try:
            text = user_file.read_text("utf-8")
        except OSError as error:
            raise PidginError(f"cannot read {user_file}: {error.strerror}") from None
        except UnicodeDecodeError as error:
            raise PidginError(
                f"model registry {user_file} is not UTF-8 text (byte {error.start})"
            ) from None
        registry = _merge(registry, _parse(text, str(user_file)), str(user_file))
    return registry


def load_registry() -> dict[str, ModelInfo]:
    """All registered models by canonical name."""
    return load_registry_data().models


def provider_settings(provider: str) -> ProviderSettings:
    """The settings of ``provider`` (packaged defaults merged with the user's file)."""
    return load_registry_data().providers.get(provider, ProviderSettings(provider))


def resolve_model(name: str) -> ModelInfo:
    """The registry entry for ``name`` (canonical, alias, or an unregistered
    ``provider:model`` of a provider that accepts any model), or a clear error."""
    registry = load_registry()
    wanted = name.strip().lower()
    if wanted in registry:
        return registry[wanted]
    for info in registry.values():
        if wanted in info.aliases:
            return info
    provider, separator, model = name.strip().partition(":")
    if separator and model and provider.lower() in OPEN_PROVIDERS:
        free = provider.lower() in ("ollama", "openai-compatible")
        return ModelInfo(
            name=f"{provider.lower()}:{model}",
            provider=provider.lower(),
            model=model,
            display_name=model,
            aliases=(),
            context_window=0,
            input_price_per_million=0.0 if free else None,
            output_price_per_million=0.0 if free else None,
        )
    accepted = ", ".join(sorted(registry))
    raise UnknownModelError(
        f"unknown model {name!r}; available models: {accepted} "
        f"(or provider:model for {', '.join(sorted(OPEN_PROVIDERS))})"
    )
