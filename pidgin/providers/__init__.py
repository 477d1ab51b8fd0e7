"""Model providers behind one streaming interface, and the registry that names them.

SDKs are imported only when a provider that needs one is created, so ``pidgin --help``
and ``local:test`` conversations never pay for them.
"""

from __future__ import annotations

import os

from eventlog.redact import redact_url
from pidgin.errors import PidginError
from pidgin.providers.base import Provider, ProviderError, ResponseUsage
from pidgin.providers.keys import MissingKeyError, require_api_key
from pidgin.providers.registry import (
    ModelInfo,
    ProviderSettings,
    UnknownModelError,
    provider_settings,
    resolve_model,
)

__all__ = [
    "MissingKeyError",
    "ModelInfo",
    "Provider",
    "ProviderError",
    "ProviderSettings",
    "ResponseUsage",
    "UnknownModelError",
    "base_url_for",
    "create_provider",
    "pass_base_url_to_runner",
    "resolve_model",
    "shareable_base_url",
]

DEFAULT_MAX_TOKENS = 8192
"""The reply limit of an API that needs one (Anthropic) when the agent has none, capped at
the model's own limit from the registry."""

SDK_EXTRAS = {"anthropic": "anthropic", "openai": "openai", "google": "google"}
"""The SDK module (top-level import name) → the pidgin extra that installs it."""


def base_url_for(info: ModelInfo, override: str | None = None) -> str | None:
    """The base URL: the override (``--base-url``), the provider's variable, the registry.

    An override read back from the log has lost its credentials; the provider's variable
    gives them back when it names the same server."""
    settings = provider_settings(info.provider)
    from_env = os.environ.get(settings.base_url_env, "").strip() if settings.base_url_env else ""
    if override and from_env and redact_url(from_env) == override:
        return from_env
    return override or from_env or info.base_url or settings.base_url


def shareable_base_url(url: str | None) -> str | None:
    """``url`` as it may be recorded: without userinfo or secret query parameters (the
    one rule of :func:`eventlog.redact.redact_url`), or None if nothing is left."""
    if not url or not url.strip():
        return None
    return redact_url(url.strip()) or None


def pass_base_url_to_runner(base_url: str | None) -> None:
    """The log records ``--base-url`` without its credentials; a runner of the recorded
    conversations (this process, or a daemon it spawns) gets the whole URL through the
    openai-compatible provider's variable, which :func:`base_url_for` prefers when it
    names the recorded server."""
    variable = provider_settings("openai-compatible").base_url_env
    if base_url and variable and shareable_base_url(base_url) != base_url.strip():
        os.environ[variable] = base_url.strip()


def _sdk_missing(module: str) -> PidginError:
    extra = SDK_EXTRAS.get(module, module)
    return PidginError(f"this model needs the {module} SDK: pip install 'pidgin[{extra}]'")


def create_provider(
    info: ModelInfo,
    base_url: str | None = None,
    *,
    prompt_cache: bool = True,
    thinking: str | None = None,
) -> Provider:
    """A ready provider for a registry entry; raises a one-line error when a key is missing.

    SDK-backed providers import their SDK here, not earlier. ``prompt_cache`` marks the
    history for caching where the API asks for marks (Anthropic); ``thinking`` is the
    recorded ``--think`` setting. A model the registry says takes no temperature is sent
    none.
    """
    temperature = "temperature" in info.parameters
    settings = provider_settings(info.provider)
    key = require_api_key(settings)
    url = base_url_for(info, base_url)
    try:
        if info.provider == "local" and info.model == "test":
            from pidgin.providers.local_test import LocalTestProvider

            return LocalTestProvider(info.model)
        if info.provider == "local":
            from pidgin.providers.local_llama import MODEL_FILES, LocalLlamaProvider

            if info.model not in MODEL_FILES:
                raise PidginError(f"no local model called {info.model!r}")
            return LocalLlamaProvider(info.model)
        if info.provider == "anthropic":
            from pidgin.providers.anthropic_provider import AnthropicProvider

            return AnthropicProvider(
                info.model,
                max_tokens=min(DEFAULT_MAX_TOKENS, info.max_output_tokens or DEFAULT_MAX_TOKENS),
                api_key=key,
                base_url=url,
                timeout=settings.timeout,
                prompt_cache=prompt_cache,
                thinking=thinking,
                accepts_temperature=temperature,
            )
        if info.provider in ("openai", "xai", "openai-compatible", "openrouter"):
            if info.provider == "openai-compatible" and not url:
                raise PidginError(
                    f"{info.name} needs a server: pass --base-url URL or set "
                    f"{settings.base_url_env}"
                )
            from pidgin.providers.openai_provider import OpenAIProvider

            return OpenAIProvider(
                info.model,
                provider=info.provider,
                api_key=key,
                base_url=url,
                timeout=settings.timeout,
                thinking=thinking,
                accepts_temperature=temperature,
            )
        if info.provider == "google":
            from pidgin.providers.google_provider import GoogleProvider

            return GoogleProvider(
                info.model,
                api_key=key,
                base_url=url,
                timeout=settings.timeout,
                thinking=thinking,
                accepts_temperature=temperature,
            )
        if info.provider == "ollama":
            from pidgin.providers.ollama_provider import OllamaProvider

            return OllamaProvider(info.model, host=url, timeout=settings.timeout, thinking=thinking)
    except ModuleNotFoundError as error:
        raise _sdk_missing((error.name or "").split(".")[0]) from None
    raise PidginError(f"provider {info.provider!r} is not available in this version")
