"""The report's sections: which charts and tables it holds, built from ReportData.

A section whose data are missing (no metrics, no findings table, one group) is left out
rather than shown empty.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from projections.report import charts
from projections.report.aggregate import (
    DISTRIBUTIONS,
    convergence_bands,
    conversation_stats,
    measure_series,
)
from projections.report.compare import LEVEL, RESAMPLES, differences, most_different_pairs
from projections.report.data import Record, ReportData
from projections.report.measures import THRESHOLD


@dataclass
class Chart:
    id: str
    spec: charts.Spec


@dataclass
class Section:
    id: str
    title: str
    note: str = ""
    charts: list[Chart] = field(default_factory=list)
    wide: bool = True


@dataclass
class Page:
    sections: list[Section]
    datasets: dict[str, list[Record]]
    overview: list[Record]
    comparison: list[Record]
    pairs: list[Record]


def build_page(data: ReportData, *, compare: bool) -> Page:
    """Every section and dataset of the report."""
    labels = [g.label for g in data.groups]
    by_agent, across = measure_series(data)
    stats = conversation_stats(data)
    datasets: dict[str, list[Record]] = {
        "turns": [
            {k: r[k] for k in ("group", "conversation", "id", "turn", "convergence")}
            for r in data.turns
        ],
        "convergence_bands": convergence_bands(data),
        "agent_measures": by_agent,
        "cross_measures": across,
        "statistics": _long(stats, DISTRIBUTIONS),
    }
    sections = [_convergence(data)]
    measures = _measures(data)
    if measures.charts:
        sections.append(measures)
    sections.append(_distributions(stats, labels))
    comparison: list[Record] = []
    pairs: list[Record] = []
    if compare and len(labels) > 1:
        titles = [*DISTRIBUTIONS[:1], *(m.title for m in data.agent_measures + data.cross_measures)]
        comparison = differences(stats, labels, titles)
        datasets["differences"] = comparison
        sections.append(_differences(titles, labels))
        pairs = [
            {"a": a, "b": b, "rms": rms, "groups": (labels[0], label)}
            for label in labels[1:]
            for a, b, rms in most_different_pairs(data, labels[0], label)
        ]
    return Page(sections, datasets, overview(data), comparison, pairs)


def _distributions(stats: list[Record], labels: list[str]) -> Section:
    """A chart per statistic that some conversation has (turns to threshold may be none)."""
    shown = [n for n in DISTRIBUTIONS if any(r[n] is not None for r in stats)]
    return Section(
        "distributions",
        "Distributions across repetitions",
        "One box per group (minimum to maximum) and a tick per conversation. Turns to "
        "threshold: the first turn whose convergence reached the conversation's threshold "
        f"({THRESHOLD:g} when it had none).",
        [
            Chart(f"distribution-{i}", charts.distribution(name, labels))
            for i, name in enumerate(shown)
        ],
        wide=False,
    )


def _differences(titles: list[str], labels: list[str]) -> Section:
    return Section(
        "differences",
        f"Differences from {labels[0]}",
        "Per measure, each group's mean over its conversations minus the first group's; "
        f"the line is the {LEVEL:.0%} percentile bootstrap interval ({RESAMPLES:,} "
        "resamples of the conversations in each group). Measures are first averaged over "
        "each conversation's turns.",
        [
            Chart(f"difference-{i}", charts.difference_interval(t, labels))
            for i, t in enumerate(titles)
        ],
        wide=False,
    )


def _convergence(data: ReportData) -> Section:
    count = len({r["id"] for r in data.conversations})
    labels = [g.label for g in data.groups]
    chart_list = [
        Chart("convergence-band", charts.convergence_band(labels)),
        Chart("convergence-lines", charts.convergence_lines(count, labels)),
    ]
    chart_list.append(Chart("convergence-heatmap", charts.convergence_heatmap(count)))
    return Section(
        "convergence",
        "Convergence over turns",
        "The convergence the conductor recorded after each turn (0: unrelated, 1: the "
        "same). The band is the mean ± one standard deviation across the group's "
        "conversations at that turn.",
        chart_list,
    )


def _measures(data: ReportData) -> Section:
    labels = [g.label for g in data.groups]
    chart_list = [
        Chart(f"agent-measure-{i}", charts.agent_measure(m.title, labels))
        for i, m in enumerate(data.agent_measures)
    ]
    chart_list += [
        Chart(f"cross-measure-{i}", charts.cross_measure(m.title, labels))
        for i, m in enumerate(data.cross_measures)
    ]
    version = data.state.get("metrics_version") or "none"
    return Section(
        "measures",
        "Measures over turns",
        f"Means over the group's conversations at each turn (metrics version {version}; "
        "definitions in docs/metrics.md).",
        chart_list,
        wide=False,
    )


def _long(stats: list[Record], names: tuple[str, ...]) -> list[Record]:
    return [
        {"group": r["group"], "conversation": r["conversation"], "statistic": n, "value": r[n]}
        for r in stats
        for n in names
    ]


def overview(data: ReportData) -> list[Record]:
    """Per group: conversations, model pairs, end reasons, turns, tokens, cost, duration."""
    rows = []
    for group in data.groups:
        mine = [c for c in data.conversations if c["group"] == group.label]
        pairs = Counter(f"{c['agent_a_model']} ↔ {c['agent_b_model']}" for c in mine)
        reasons = Counter(c["end_reason"] for c in mine)
        costs = [c["cost_usd"] for c in mine]
        durations = [c["duration"] for c in mine if c["duration"] is not None]
        rows.append(
            {
                "group": group.label,
                "conversations": len(mine),
                "pairs": sorted(pairs.items()),
                "end_reasons": sorted(reasons.items(), key=lambda i: (-i[1], i[0])),
                "turns": sum(c["turns"] for c in mine),
                "mean_turns": sum(c["turns"] for c in mine) / len(mine) if mine else 0,
                "messages": sum(c["messages"] for c in mine),
                "tokens_in": sum(c["tokens_in"] for c in mine),
                "tokens_out": sum(c["tokens_out"] for c in mine),
                "cost": None if any(c is None for c in costs) else sum(costs),
                "duration": sum(durations),
                "errors": sum(c["errors"] for c in mine),
            }
        )
    return rows


def columnar(rows: list[Record]) -> dict[str, Any]:
    """A dataset as column names and rows of values: smaller than a list of objects."""
    columns = list(rows[0]) if rows else []
    return {"columns": columns, "rows": [[_finite(r.get(c)) for c in columns] for r in rows]}


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a value is missing (null)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value
