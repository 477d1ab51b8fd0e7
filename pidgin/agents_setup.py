"""Turn what the user typed (-a/-b, temperature) into agent settings and providers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pidgin.domain import AGENT_IDS, AgentId, AgentSpec
from pidgin.errors import PidginError
from pidgin.providers import Provider, create_provider, resolve_model, shareable_base_url
from pidgin.providers.keys import require_api_keys
from pidgin.providers.pacing import MakeLimiter, Pacing, PacingFactory
from pidgin.providers.registry import provider_settings


@dataclass(frozen=True)
class Agents:
    specs: dict[AgentId, AgentSpec]
    providers: dict[AgentId, Provider]
    pacing: dict[AgentId, Pacing] = field(default_factory=dict)
    injections: list[dict[str, Any]] = field(default_factory=list)
    """System messages an awareness file schedules for later turns."""
    notes: list[str] = field(default_factory=list)
    """Settings a model does not take and that were left out (tell the user once)."""


def _refuse(question: str) -> bool:
    return False


def build_agents(
    model_a: str,
    model_b: str,
    temperature: float | None,
    *,
    base_url: str | None = None,
    assume_yes: bool = False,
    confirm: Callable[[str], bool] = _refuse,
    temperatures: Mapping[AgentId, float | None] | None = None,
    awareness: Mapping[AgentId, str] | None = None,
    max_tokens: Mapping[AgentId, int | None] | None = None,
    prompt_cache: bool = True,
    thinking: Mapping[AgentId, str | None] | None = None,
) -> Agents:
    """Resolve both models (a clear error for unknown ones) and create their providers.

    Display names come from the registry; two agents with the same display name become
    ``Name-A`` and ``Name-B`` so a transcript never leaves a reader guessing who spoke.
    Prices are copied into each AgentSpec so costs come from the log alone. Missing keys,
    servers or models fail here, before anything is recorded. ``base_url`` is for
    openai-compatible agents. ``temperatures`` overrides ``temperature`` per agent;
    ``awareness`` maps each agent to its own preset or awareness file, so each agent gets
    only its own system prompt. ``max_tokens`` caps each agent's replies (absent: the
    provider's default). A temperature or thinking the registry says a model does not take
    is left out (and recorded as not set), with a note to show the user.
    """
    info = {"a": resolve_model(model_a), "b": resolve_model(model_b)}
    if base_url and all(entry.provider != "openai-compatible" for entry in info.values()):
        raise PidginError("--base-url is only for openai-compatible:MODEL agents")
    require_api_keys(provider_settings(entry.provider) for entry in info.values())
    names = {agent: entry.display_name for agent, entry in info.items()}
    if names["a"] == names["b"]:
        names = {agent: f"{name}-{agent.upper()}" for agent, name in names.items()}
    specs: dict[AgentId, AgentSpec] = {}
    providers: dict[AgentId, Provider] = {}
    pacing: dict[AgentId, Pacing] = {}
    pacing_factory = PacingFactory()
    notes: list[str] = []
    for agent in ("a", "b"):
        entry = info[agent]
        own_url = base_url if entry.provider == "openai-compatible" else None
        wanted = (temperatures or {}).get(agent, temperature)
        if wanted is not None and "temperature" not in entry.parameters:
            notes.append(f"{entry.name} takes no temperature: agent {agent.upper()} gets none")
            wanted = None
        limit = (max_tokens or {}).get(agent)
        if limit is not None and 0 < entry.max_output_tokens < limit:
            notes.append(
                f"{entry.name} writes at most {entry.max_output_tokens:,} tokens: agent "
                f"{agent.upper()} gets that limit"
            )
            limit = entry.max_output_tokens
        think = (thinking or {}).get(agent)
        if think is not None and "thinking" not in entry.parameters:
            notes.append(f"{entry.name} has no thinking setting: agent {agent.upper()} gets none")
            think = None
        if think is not None and wanted is not None and entry.provider == "anthropic":
            notes.append(
                f"Anthropic thinking takes no temperature: agent {agent.upper()} gets none"
            )
            wanted = None
        specs[agent] = AgentSpec(
            model=entry.name,
            provider=entry.provider,
            display_name=names[agent],
            temperature=wanted,
            max_tokens=limit,
            input_price_per_million=entry.input_price_per_million,
            output_price_per_million=entry.output_price_per_million,
            cache_read_price_per_million=entry.cache_read_price_per_million,
            cache_write_price_per_million=entry.cache_write_price_per_million,
            prompt_cache=prompt_cache,
            thinking=think,
            base_url=shareable_base_url(own_url),
        )
        providers[agent] = create_provider(
            entry, base_url=own_url, prompt_cache=prompt_cache, thinking=think
        )
        pacing[agent] = pacing_factory.for_provider(provider_settings(entry.provider))
    _check_ollama(providers, assume_yes, confirm)
    injections: list[dict[str, Any]] = []
    if awareness:
        from pidgin.experiments.awareness import resolve_awareness

        plan = resolve_awareness(awareness, specs)
        for agent_id in AGENT_IDS:
            prompt = plan.system_prompts[agent_id]
            specs[agent_id] = msgspec.structs.replace(specs[agent_id], system_prompt=prompt)
        injections = plan.injections
    return Agents(
        specs=specs, providers=providers, pacing=pacing, injections=injections, notes=notes
    )


def providers_for(
    specs: Mapping[AgentId, AgentSpec], make_limiter: MakeLimiter | None = None
) -> tuple[dict[AgentId, Provider], dict[AgentId, Pacing]]:
    """Providers and pacing for agents recorded in the log (to resume a conversation);
    ``make_limiter``: limiters other than this process's own (distributed workers)."""
    providers: dict[AgentId, Provider] = {}
    pacing: dict[AgentId, Pacing] = {}
    pacing_factory = PacingFactory(make_limiter)
    entries = {agent: resolve_model(spec.model) for agent, spec in specs.items()}
    require_api_keys(provider_settings(entry.provider) for entry in entries.values())
    for agent, spec in specs.items():
        entry = entries[agent]
        providers[agent] = create_provider(
            entry, base_url=spec.base_url, prompt_cache=spec.prompt_cache, thinking=spec.thinking
        )
        pacing[agent] = pacing_factory.for_provider(provider_settings(entry.provider))
    return providers, pacing


def _check_ollama(
    providers: dict[AgentId, Provider], assume_yes: bool, confirm: Callable[[str], bool]
) -> None:
    """Ollama agents need a server that answers and has the model (pulled with consent)."""
    if all(provider.name != "ollama" for provider in providers.values()):
        return  # Spares every other command importing aiohttp (~0.3 s).
    from pidgin.providers.ollama_provider import OllamaProvider

    checked: set[tuple[str, str]] = set()
    for provider in providers.values():
        if isinstance(provider, OllamaProvider) and (provider.host, provider.model) not in checked:
            from pidgin.providers.ollama_setup import ensure_model

            ensure_model(provider.host, provider.model, assume_yes=assume_yes, confirm=confirm)
            checked.add((provider.host, provider.model))
