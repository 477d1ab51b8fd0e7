"""Pure metric functions: text in, numbers out. Imports nothing of ``pidgin``."""

from projections.metrics.convergence import live_convergence

__all__ = ["live_convergence"]
