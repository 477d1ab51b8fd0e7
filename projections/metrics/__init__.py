"""Pure metric functions: text in, numbers out. Imports nothing of ``pidgin``.

Only the convergence function is imported here (the conductor needs it on every turn and
should not pay for the full metric set's lexicons); the per-turn metrics live in
``projections.metrics.turn``.
"""

from projections.metrics.convergence import conversation_convergence, live_convergence
from projections.metrics.convergence_weights import (
    COMPONENTS,
    DEFAULT_PROFILE,
    PROFILES,
    WeightsError,
    parse_weights,
    validate_weights,
)

__all__ = [
    "COMPONENTS",
    "DEFAULT_PROFILE",
    "PROFILES",
    "WeightsError",
    "conversation_convergence",
    "live_convergence",
    "parse_weights",
    "validate_weights",
]
