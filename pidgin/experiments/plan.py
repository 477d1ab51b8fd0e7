"""From a validated spec to what the log records: the experiment's conversation settings,
and each conversation created from them."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from uuid import UUID

import msgspec

from pidgin.domain import AGENT_IDS, AgentId, AgentSpec, Conversation
from pidgin.experiments.awareness import DEFAULT_AWARENESS
from pidgin.experiments.spec import ExperimentSpec

SEED_LIMIT = 2**63
"""Seeds are in 0..2**63-1, what every API that takes one (and DuckDB's BIGINT) holds."""
SEED_DERIVATION = "sha256"
"""Recorded in the settings: how conversation i's seed follows from the experiment's."""


def derived_seed(experiment_seed: int, index: int) -> int:
    """Conversation ``index``'s seed: SHA-256 of the experiment seed and the index, mod
    2**63, so neighbouring seeds give unrelated conversations and none overflows."""
    digest = hashlib.sha256(f"pidgin-seed:{experiment_seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_LIMIT


def conversation_seed(settings: dict[str, Any], index: int) -> int | None:
    """The seed conversation ``index`` of an experiment with these settings starts with."""
    seed = settings.get("seed")
    if seed is None:
        return None  # an experiment recorded before seeds were always drawn
    if settings.get("seed_derivation") == SEED_DERIVATION:
        return derived_seed(int(seed), index)
    return int(seed) + index  # an experiment recorded before: as its first runner did


def conversation_settings(spec: ExperimentSpec, *, assume_yes: bool = False) -> dict[str, Any]:
    """Resolve models, prompts and awareness once, so every conversation starts alike and
    a resume never depends on files that may have changed since."""
    from pidgin.agents_setup import build_agents

    per_agent = {"a": spec.agents.a, "b": spec.agents.b}
    awareness: dict[AgentId, str] = {
        agent: per_agent[agent].awareness or spec.awareness or DEFAULT_AWARENESS
        for agent in AGENT_IDS
    }
    agents = build_agents(
        spec.agents.a.model,
        spec.agents.b.model,
        None,
        base_url=spec.base_url,
        assume_yes=assume_yes,
        temperatures={agent: per_agent[agent].temperature for agent in AGENT_IDS},
        awareness=awareness,
        max_tokens={agent: per_agent[agent].max_tokens for agent in AGENT_IDS},
        prompt_cache=spec.cache,
        thinking={agent: per_agent[agent].think for agent in AGENT_IDS},
    )
    specs: dict[AgentId, AgentSpec] = dict(agents.specs)
    for agent in AGENT_IDS:
        literal = per_agent[agent].system_prompt
        if literal is not None:
            specs[agent] = msgspec.structs.replace(specs[agent], system_prompt=literal)
    convergence = spec.convergence
    return {
        "agent_a": specs["a"].to_dict(),
        "agent_b": specs["b"].to_dict(),
        "prompt": spec.prompt,
        "max_turns": spec.turns,
        "first_speaker": spec.first_speaker,
        "convergence_threshold": convergence.threshold,
        "convergence_action": convergence.action,
        "convergence_profile": convergence.profile,
        "injections": agents.injections,
        "choose_names": spec.choose_names,
        # Drawn when not given, and recorded: a rerun with --seed SEED repeats the experiment.
        "seed": spec.seed if spec.seed is not None else secrets.randbelow(SEED_LIMIT),
        "seed_derivation": SEED_DERIVATION,
        "stop_regexes": spec.stop_on,
        "stop_patterns": spec.stop_on_pattern,
        "max_cost_usd": spec.max_cost,
        "max_total_tokens": spec.max_total_tokens,
        "experiment_max_cost_usd": spec.experiment_max_cost,
        "experiment_max_total_tokens": spec.experiment_max_total_tokens,
        "notes": agents.notes,
    }


def default_name(settings: dict[str, Any]) -> str:
    return f"{settings['agent_a']['model']} vs {settings['agent_b']['model']}"


def new_conversation(
    settings: dict[str, Any],
    conversation_id: UUID,
    experiment_id: UUID,
    index: int,
    experiment_name: str,
) -> Conversation:
    """The experiment's ``index``-th conversation, with its scheduled id."""
    from projections.metrics import parse_weights

    profile, weights = parse_weights(settings.get("convergence_profile", "balanced"))
    return Conversation.start(
        AgentSpec.from_dict(settings["agent_a"]),
        AgentSpec.from_dict(settings["agent_b"]),
        settings["prompt"],
        settings["max_turns"],
        first_speaker="b" if settings["first_speaker"] == "b" else "a",
        convergence_threshold=settings["convergence_threshold"],
        name=f"{experiment_name} #{index + 1}",
        seed=conversation_seed(settings, index),
        conversation_id=conversation_id,
        experiment_id=str(experiment_id),
        injections=settings.get("injections", []),
        choose_names=bool(settings.get("choose_names")),
        convergence_profile=profile,
        convergence_weights=weights,
        convergence_action=settings.get("convergence_action", "stop"),
        stop_regexes=settings.get("stop_regexes", []),
        stop_patterns=settings.get("stop_patterns", []),
        max_cost_usd=settings.get("max_cost_usd"),
        max_total_tokens=settings.get("max_total_tokens"),
    )
