"""Option types that keep out what the log must never record: NaN and infinities (which
pass click's FloatRange, since NaN compares false), seeds no column can hold, turn
counts without end."""

from __future__ import annotations

import math
from typing import Any

import click

from pidgin.domain.boundary import MAX_SEED, MAX_TURNS


class FiniteFloat(click.FloatRange):
    """A float in ``min..max`` that is finite: ``nan``, ``inf`` and ``-inf`` are refused."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


TEMPERATURE = FiniteFloat(0.0, 2.0)
THRESHOLD = FiniteFloat(0.0, 1.0)
DOLLARS = FiniteFloat(min=0.0, min_open=True)
SEED = click.IntRange(0, MAX_SEED)
TURNS = click.IntRange(1, MAX_TURNS)
