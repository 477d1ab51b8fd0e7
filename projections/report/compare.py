"""Side-by-side comparison of groups: per-measure differences with bootstrap confidence
intervals across repetitions, and the most different pairs of conversations.

The bootstrap resamples conversations (the repetitions) within each group, with a fixed
seed, so the same data give the same intervals in every report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from projections.report.data import DIGITS, Record, ReportData

RESAMPLES = 2000
SEED = 20240601
LEVEL = 0.95


def differences(
    stats: list[Record], groups: Sequence[str], measures: Sequence[str]
) -> list[Record]:
    """Each later group's mean minus the first group's, per measure, with a bootstrap CI."""
    rng = np.random.default_rng(SEED)
    baseline, rows = groups[0], []
    for measure in measures:
        base = _values(stats, baseline, measure)
        for group in groups[1:]:
            other = _values(stats, group, measure)
            if len(base) == 0 or len(other) == 0:
                continue
            low, high = _interval(rng, base, other)
            rows.append(
                {
                    "measure": measure,
                    "group": group,
                    "baseline": baseline,
                    "difference": round(float(other.mean() - base.mean()), DIGITS),
                    "low": low,
                    "high": high,
                    "n": len(other),
                    "n_baseline": len(base),
                }
            )
    return rows


def _values(stats: list[Record], group: str, measure: str) -> np.ndarray:
    values = [row[measure] for row in stats if row["group"] == group]
    return np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)


def _interval(rng: np.random.Generator, base: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """The percentile bootstrap interval of mean(other) − mean(base)."""
    base_means = rng.choice(base, size=(RESAMPLES, len(base))).mean(axis=1)
    other_means = rng.choice(other, size=(RESAMPLES, len(other))).mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(other_means - base_means, [tail, 100 - tail])
    return round(float(low), DIGITS), round(float(high), DIGITS)


def most_different_pairs(
    data: ReportData, first: str, second: str, count: int = 2
) -> list[tuple[str, str, float]]:
    """The ``count`` pairs (one conversation of each group) whose convergence curves differ
    most: root mean square difference over the turns both have, ties broken by id."""
    curves: dict[tuple[str, str], dict[int, float]] = {}
    for row in data.turns:
        if row["convergence"] is not None:
            curves.setdefault((row["group"], row["id"]), {})[row["turn"]] = row["convergence"]
    left = sorted((cid, c) for (g, cid), c in curves.items() if g == first)
    right = sorted((cid, c) for (g, cid), c in curves.items() if g == second)
    scored = []
    for a, curve_a in left:
        for b, curve_b in right:
            common = curve_a.keys() & curve_b.keys()
            if a == b or not common:
                continue
            rms = math.sqrt(sum((curve_a[t] - curve_b[t]) ** 2 for t in common) / len(common))
            scored.append((round(rms, DIGITS), a, b))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [(a, b, rms) for rms, a, b in scored[:count]]
