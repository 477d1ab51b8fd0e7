"""Convergence weights: the components, the profiles, and custom weights checked.

Kept apart from :mod:`projections.metrics.convergence` (the scoring) so that a CLI can
check weights without the scoring's imports. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

COMPONENTS = ("content", "structure", "sentences", "length", "punctuation", "semantic")
# Weights recorded before the semantic component existed lack it: it weighs 0 there.
OPTIONAL_COMPONENTS = ("semantic",)
PROFILES: dict[str, dict[str, float]] = {
    "balanced": {
        "content": 0.40,
        "structure": 0.15,
        "sentences": 0.20,
        "length": 0.15,
        "punctuation": 0.10,
        "semantic": 0.0,
    },
    "structural": {
        "content": 0.25,
        "structure": 0.35,
        "sentences": 0.20,
        "length": 0.10,
        "punctuation": 0.10,
        "semantic": 0.0,
    },
    "semantic": {
        "content": 0.30,
        "structure": 0.10,
        "sentences": 0.15,
        "length": 0.10,
        "punctuation": 0.05,
        "semantic": 0.30,
    },
    "strict": {
        "content": 0.50,
        "structure": 0.25,
        "sentences": 0.15,
        "length": 0.05,
        "punctuation": 0.05,
        "semantic": 0.0,
    },
}
DEFAULT_PROFILE = "balanced"


class WeightsError(ValueError):
    """Convergence weights that are unknown, negative or do not sum to 1."""


def uses_semantic(weights: Mapping[str, float] | None) -> bool:
    """Whether these weights need the embedding model."""
    return bool(weights and weights.get("semantic"))


def parse_weights(spec: str) -> tuple[str, dict[str, float]]:
    """A profile name, or custom weights "content=0.5,structure=0.2,..." → (name, weights).

    Custom weights name every component but ``semantic`` (0 when not named), are
    non-negative and sum to 1. Weights with a semantic component need the embedding
    model installed.
    """
    name, weights = _parsed_weights(spec.strip())
    if uses_semantic(weights):
        from projections.metrics.embeddings import EmbedderUnavailable, default_embedder

        try:
            default_embedder()
        except EmbedderUnavailable as error:
            raise WeightsError(f"a semantic component needs the model: {error}") from None
    return name, weights


def _parsed_weights(spec: str) -> tuple[str, dict[str, float]]:
    if spec in PROFILES:
        return spec, dict(PROFILES[spec])
    if "=" not in spec:
        names = ", ".join(PROFILES)
        raise WeightsError(f"unknown convergence profile {spec!r}; use one of {names} or weights")
    weights: dict[str, float] = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in COMPONENTS:
            raise WeightsError(f"unknown convergence component {name!r}; use {COMPONENTS}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise WeightsError(f"weight of {name} is not a number: {value!r}") from None
    return "custom", validate_weights(weights)


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    missing = [n for n in COMPONENTS if n not in weights and n not in OPTIONAL_COMPONENTS]
    if missing:
        raise WeightsError(f"convergence weights miss {', '.join(missing)}")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise WeightsError("convergence weights must be finite and non-negative")
    if abs(math.fsum(weights.values()) - 1.0) > 1e-6:
        raise WeightsError("convergence weights must sum to 1")
    return {name: float(weights.get(name, 0.0)) for name in COMPONENTS}
