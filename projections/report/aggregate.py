"""The report's summary tables: means over turns, bands across repetitions, and one row of
statistics per conversation. Pure functions of ReportData; numbers rounded for stable bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import fmean, stdev

from projections.report.data import DIGITS, Record, ReportData
from projections.report.measures import THRESHOLD


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, DIGITS)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None and not math.isnan(v)]
    return _round(fmean(present)) if present else None


def convergence_bands(data: ReportData) -> list[Record]:
    """Per group and turn: the mean convergence and mean ± one standard deviation."""
    values: dict[tuple[str, int], list[float]] = {}
    for row in data.turns:
        if row["convergence"] is not None:
            values.setdefault((row["group"], row["turn"]), []).append(row["convergence"])
    order = {g.label: i for i, g in enumerate(data.groups)}
    bands = []
    for (group, turn), scores in sorted(values.items(), key=lambda i: (order[i[0][0]], i[0][1])):
        mean = fmean(scores)
        spread = stdev(scores) if len(scores) > 1 else 0.0
        bands.append(
            {
                "group": group,
                "turn": turn,
                "mean": _round(mean),
                "low": _round(mean - spread),
                "high": _round(mean + spread),
                "conversations": len(scores),
            }
        )
    return bands


def measure_series(data: ReportData) -> tuple[list[Record], list[Record]]:
    """Per group, measure and turn the mean over conversations: by agent, and across agents."""
    agent_values: dict[tuple[str, str, str, int], list[float | None]] = {}
    cross_values: dict[tuple[str, str, int], list[float | None]] = {}
    for group in data.groups:
        for cid in group.conversation_ids:
            for turn, row in sorted(data.metrics.get(cid, {}).items()):
                for measure in data.agent_measures:
                    for side in ("a", "b"):
                        key = (group.label, measure.title, f"Agent {side.upper()}", turn)
                        agent_values.setdefault(key, []).append(row[f"{side}_{measure.column}"])
                for measure in data.cross_measures:
                    key2 = (group.label, measure.title, turn)
                    cross_values.setdefault(key2, []).append(row[measure.column])
    by_agent = [
        {"group": g, "measure": m, "agent": a, "turn": t, "value": _mean(v)}
        for (g, m, a, t), v in agent_values.items()
    ]
    across = [
        {"group": g, "measure": m, "turn": t, "value": _mean(v)}
        for (g, m, t), v in cross_values.items()
    ]
    return by_agent, across


def conversation_stats(data: ReportData) -> list[Record]:
    """One row per conversation and group: final convergence, turns, turns to threshold,
    and each measure's mean over its turns (per agent: both agents' mean)."""
    convergence: dict[str, dict[int, float | None]] = {}
    for turn_row in data.turns:
        convergence.setdefault(turn_row["id"], {})[turn_row["turn"]] = turn_row["convergence"]
    stats = []
    for conversation in data.conversations:
        cid = conversation["id"]
        threshold = conversation["convergence_threshold"] or THRESHOLD
        reached = [
            turn
            for turn, score in sorted(convergence.get(cid, {}).items())
            if score is not None and score >= threshold
        ]
        row: Record = {
            "group": conversation["group"],
            "conversation": conversation["short"],
            "Final convergence": conversation["final_convergence"],
            "Turns completed": conversation["turns"],
            "Turns to threshold": reached[0] if reached else None,
        }
        turns = data.metrics.get(cid, {})
        for measure in data.agent_measures:
            row[measure.title] = _mean(
                r[f"{side}_{measure.column}"] for r in turns.values() for side in ("a", "b")
            )
        for measure in data.cross_measures:
            row[measure.title] = _mean(r[measure.column] for r in turns.values())
        stats.append(row)
    return stats


DISTRIBUTIONS = ("Final convergence", "Turns completed", "Turns to threshold")
"""The conversation statistics whose distribution across repetitions the report plots."""
