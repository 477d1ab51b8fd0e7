"""Awareness presets: each agent's own system prompt, and scheduled system messages.

A choice is a preset name (``none``, ``basic``, ``firm``, ``research``, ``backrooms``,
from ``awareness_presets.yaml``) or the path of a YAML file naming a ``base`` preset and
``prompts: {TURN: {both|agent_a|agent_b: text}}``. Agent B only ever gets B's prompts:
each agent's choice is resolved for that agent alone, and a file given for one agent
contributes only that agent's entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pidgin.domain import AGENT_IDS, AgentId, AgentSpec, other_agent
from pidgin.domain.boundary import MAX_TURNS
from pidgin.errors import PidginError
from pidgin.experiments.yaml_models import load_yaml_model

PRESETS_FILE = Path(__file__).with_name("awareness_presets.yaml")
DEFAULT_AWARENESS = "none"
Target = Literal["both", "agent_a", "agent_b"]


@lru_cache(maxsize=1)
def load_presets() -> dict[str, dict[str, str | None]]:
    """The preset table, read once from the data file."""
    data = yaml.safe_load(PRESETS_FILE.read_text(encoding="utf-8"))
    return {name: {"a": v["agent_a"], "b": v["agent_b"]} for name, v in data.items()}


def preset_names() -> list[str]:
    return list(load_presets())


class AwarenessFile(BaseModel):
    """A custom awareness file."""

    model_config = ConfigDict(extra="forbid")

    base: str = "basic"
    prompts: dict[Annotated[int, Field(ge=0, le=MAX_TURNS)], dict[Target, str]] = {}

    @field_validator("base")
    @classmethod
    def _known_base(cls, value: str) -> str:
        if value not in load_presets():
            raise ValueError(f"unknown preset; choose one of {', '.join(preset_names())}")
        return value

    @field_validator("prompts")
    @classmethod
    def _turns_not_negative(cls, value: dict[int, dict[str, str]]) -> dict[int, dict[str, str]]:
        if any(turn < 0 for turn in value):
            raise ValueError("turns are 0 (the initial prompts) or later turns 1, 2, ...")
        return value


@dataclass(frozen=True)
class AwarenessPlan:
    system_prompts: dict[AgentId, str | None]
    injections: list[dict[str, Any]] = field(default_factory=list)


def check_choice(choice: str, base_dir: Path | None = None) -> str:
    """``choice`` as a preset name or an absolute file path; a clear error otherwise."""
    if choice in load_presets():
        return choice
    path = Path(choice).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return str(path.resolve())
    raise PidginError(
        f"unknown awareness {choice!r}: choose one of {', '.join(preset_names())} "
        "or the path of an awareness YAML file"
    )


def resolve_awareness(
    choices: Mapping[AgentId, str], specs: Mapping[AgentId, AgentSpec]
) -> AwarenessPlan:
    """Each agent's system prompt and the injections, from each agent's own choice."""
    prompts: dict[AgentId, str | None] = {}
    by_turn_text: dict[tuple[int, str], set[AgentId]] = {}
    for agent in AGENT_IDS:
        choice = check_choice(choices.get(agent, DEFAULT_AWARENESS))
        custom = None if choice in load_presets() else load_yaml_model(Path(choice), AwarenessFile)
        base = custom.base if custom else choice
        prompt = _fill(load_presets()[base][agent], agent, specs)
        if custom:
            for turn, entries in sorted(custom.prompts.items()):
                for target, text in entries.items():
                    if target not in ("both", f"agent_{agent}"):
                        continue
                    if turn == 0:
                        prompt = _fill(text, agent, specs)
                    else:
                        key = (turn, _fill_text(text, agent, specs))
                        by_turn_text.setdefault(key, set()).add(agent)
        prompts[agent] = prompt
    injections = [
        {"turn": turn, "agents": sorted(agents), "text": text}
        for (turn, text), agents in sorted(by_turn_text.items())
    ]
    return AwarenessPlan(system_prompts=prompts, injections=injections)


def _fill(template: str | None, agent: AgentId, specs: Mapping[AgentId, AgentSpec]) -> str | None:
    return None if template is None else _fill_text(template, agent, specs)


def _fill_text(template: str, agent: AgentId, specs: Mapping[AgentId, AgentSpec]) -> str:
    own, other = specs[agent], specs[other_agent(agent)]
    values = {
        "self_model": own.model,
        "self_name": own.display_name,
        "other_model": other.model,
        "other_name": other.display_name,
    }
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template.strip()
