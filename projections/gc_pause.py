"""Pausing Python's cycle collector around bulk work that creates no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Projecting and computing metrics allocate millions of short-lived objects (tuples,
    tokens, shapes) and no cycles: the collector would only walk them again and again
    (4% of the metric time). It is left as it was found, so pauses may nest."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
