"""Values the analysis tables cannot hold: one such event must not stop the projection.

A log written by an older version, another tool, or by hand may hold a seed past
BIGINT or a number past DOUBLE. Such a value is projected as NULL and reported with its
event's position; every other value of the log is projected as usual.
"""

from __future__ import annotations

from typing import Any

BIGINT = (-(2**63), 2**63 - 1)
MAX_SHOWN = 40


def fits(problems: list[str], position: int, name: str, value: Any, integer: bool = True) -> Any:
    """``value`` if its column (BIGINT, or DOUBLE when not ``integer``) can hold it; else
    None, with a problem naming the event's position appended to ``problems``."""
    if value is None:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if integer and number and isinstance(value, int) and BIGINT[0] <= value <= BIGINT[1]:
        return value
    if not integer and number and (isinstance(value, float) or abs(value) < 2**1000):
        return value
    shown = repr(value)
    if len(shown) > MAX_SHOWN:
        shown = shown[: MAX_SHOWN - 3] + "..."
    column = "a BIGINT column" if integer else "a DOUBLE column"
    problems.append(f"position {position}: {name} {shown} does not fit {column}; projected as NULL")
    return None


INTEGER_COLUMNS = ("seed", "max_turns", "branch_turn", "parallel")
DOUBLE_COLUMNS = (
    "agent_a_temperature",
    "agent_a_input_price",
    "agent_a_output_price",
    "agent_b_temperature",
    "agent_b_input_price",
    "agent_b_output_price",
    "convergence_threshold",
)


def check_numbers(problems: list[str], position: int, row: dict[str, Any]) -> None:
    """Replace, in a row made from a user-given start event, each number its column
    cannot hold by None (reported in ``problems``)."""
    for columns, integer in ((INTEGER_COLUMNS, True), (DOUBLE_COLUMNS, False)):
        for column in columns:
            if column in row:
                row[column] = fits(problems, position, column, row[column], integer)
