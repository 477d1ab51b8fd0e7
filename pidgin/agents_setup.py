"""Turn what the user typed (-a/-b, temperature) into agent settings and providers."""

from __future__ import annotations

from dataclasses import dataclass

from pidgin.domain import AgentId, AgentSpec
from pidgin.providers import Provider, create_provider, resolve_model


@dataclass(frozen=True)
class Agents:
    specs: dict[AgentId, AgentSpec]
    providers: dict[AgentId, Provider]


def build_agents(model_a: str, model_b: str, temperature: float | None) -> Agents:
    """Resolve both models (a clear error for unknown ones) and create their providers.

    Display names come from the registry; two agents with the same display name become
    ``Name-A`` and ``Name-B`` so a transcript never leaves a reader guessing who spoke.
    """
    info = {"a": resolve_model(model_a), "b": resolve_model(model_b)}
    names = {agent: entry.display_name for agent, entry in info.items()}
    if names["a"] == names["b"]:
        names = {agent: f"{name}-{agent.upper()}" for agent, name in names.items()}
    specs: dict[AgentId, AgentSpec] = {}
    providers: dict[AgentId, Provider] = {}
    for agent in ("a", "b"):
        entry = info[agent]
        specs[agent] = AgentSpec(
            model=entry.name,
            provider=entry.provider,
            display_name=names[agent],
            temperature=temperature,
        )
        providers[agent] = create_provider(entry)
    return Agents(specs=specs, providers=providers)
