"""The experiment spec: what a YAML file (or ``experiment start``'s options) may say.

Validated with pydantic; unknown keys are errors, so a typo never silently falls back
to a default. :func:`load_spec` reports each problem with its key, line and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pidgin.domain.boundary import MAX_SEED, MAX_TURNS
from pidgin.experiments.yaml_models import load_yaml_model

DEFAULT_PROMPT = "Hello! What would you like to talk about?"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class AgentSettings(_Strict):
    model: str = "local:test"
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    """The longest reply, in tokens (default: the provider's own)."""
    awareness: str | None = None
    """A preset (none, basic, firm, research, backrooms) or an awareness YAML file."""
    system_prompt: str | None = None
    """A literal system prompt; use either this or ``awareness``."""
    think: str | None = None
    """Extended thinking / reasoning: low, medium, high or a budget in tokens (>= 1024)."""

    @field_validator("think")
    @classmethod
    def _thinking(cls, value: str | None) -> str | None:
        from pidgin.providers.thinking import ThinkingError, parse_thinking

        try:
            return parse_thinking(value)
        except ThinkingError as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _one_prompt_source(self) -> AgentSettings:
        if self.awareness is not None and self.system_prompt is not None:
            raise ValueError("give either awareness or system_prompt, not both")
        return self


class AgentsSettings(_Strict):
    a: AgentSettings = AgentSettings()
    b: AgentSettings = AgentSettings()


class ConvergenceSettings(_Strict):
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    action: Literal["stop", "notify"] = "stop"
    """``stop`` ends a conversation (high_convergence) at the threshold; ``notify`` records
    it and goes on. (``pause`` needs a person at the keyboard: use it in ``pidgin chat``.)"""
    profile: str = "balanced"
    """A profile name (balanced, structural, semantic, strict) or weights
    ``content=0.5,structure=0.2,...``."""

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        from projections.metrics import WeightsError, parse_weights

        try:
            parse_weights(value)
        except WeightsError as error:
            raise ValueError(str(error)) from None
        return value


class ExperimentSpec(_Strict):
    name: str | None = None
    agents: AgentsSettings = AgentsSettings()
    awareness: str | None = None
    """Awareness for both agents unless an agent sets its own."""
    prompt: str = DEFAULT_PROMPT
    turns: int = Field(default=10, ge=1, le=MAX_TURNS)
    repetitions: int = Field(default=1, ge=1, le=100_000)
    parallel: int = Field(default=1, ge=1, le=64)
    convergence: ConvergenceSettings = ConvergenceSettings()
    first_speaker: Literal["a", "b"] = "a"
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    base_url: str | None = None
    """The server of openai-compatible:MODEL agents (vLLM, llama.cpp, ...), as chat's
    ``--base-url``."""
    choose_names: bool = False
    stop_on: list[str] = []
    """Regexes: a message matching one ends its conversation (stop_regex)."""
    stop_on_pattern: list[str] = []
    """Pattern detectors (docs/patterns.md): one firing live ends its conversation."""
    max_cost: float | None = Field(default=None, gt=0)
    """US dollars each conversation may spend (it ends with reason budget before the
    request that would cross it)."""
    max_total_tokens: int | None = Field(default=None, ge=1)
    """Tokens (in + out) each conversation may spend."""
    experiment_max_cost: float | None = Field(default=None, gt=0)
    """US dollars the whole experiment may spend: once reached, no conversation starts."""
    experiment_max_total_tokens: int | None = Field(default=None, ge=1)
    """Tokens the whole experiment may spend: once reached, no conversation starts."""
    cache: bool = True
    """Mark the history for prompt caching (Anthropic); false is chat's --no-cache."""
    store: str | None = None
    output: str | None = None

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the prompt is empty")
        return value

    @field_validator("stop_on")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        from pidgin.stop_conditions import valid_regexes

        return valid_regexes(value)

    @field_validator("stop_on_pattern")
    @classmethod
    def _patterns_known(cls, value: list[str]) -> list[str]:
        from pidgin.stop_conditions import valid_patterns

        return valid_patterns(value)

    def with_paths_relative_to(self, directory: Path) -> ExperimentSpec:
        """Awareness files and the output directory named relative to the spec file."""

        def rebase(value: str | None) -> str | None:
            if value is None or not value.endswith((".yaml", ".yml")):
                return value
            path = Path(value).expanduser()
            return str(path if path.is_absolute() else (directory / path).resolve())

        agents = AgentsSettings(
            a=self.agents.a.model_copy(update={"awareness": rebase(self.agents.a.awareness)}),
            b=self.agents.b.model_copy(update={"awareness": rebase(self.agents.b.awareness)}),
        )
        output = self.output
        if output is not None and not Path(output).expanduser().is_absolute():
            output = str((directory / output).resolve())
        return self.model_copy(
            update={"agents": agents, "awareness": rebase(self.awareness), "output": output}
        )


def load_spec(path: Path) -> ExperimentSpec:
    """Read and validate a spec file; relative paths in it are relative to the file."""
    spec = load_yaml_model(path, ExperimentSpec)
    return spec.with_paths_relative_to(path.resolve().parent)
