"""The report's charts as Vega-Lite specifications, declared with Altair.

Each chart names its data (``alt.Data(name=...)``) instead of holding it: the page keeps
every dataset once and hands each chart the ones it names, so a table used by three
charts is in the file once. Vega draws the charts in the browser: as SVG, or on a
canvas for the charts with a mark per conversation when there are many.
"""

from __future__ import annotations

from typing import Any

import altair as alt

WIDE, NARROW, HEIGHT = 640, 300, 220
CANVAS_ABOVE = 40
"""Charts with a mark per conversation are drawn on a canvas above this many: thousands
of SVG elements take seconds to lay out, a canvas a fraction of that."""
AGENT_COLOURS = ["#1f9bb4", "#b4339b"]
"""Agent A cyan, agent B magenta: the live view's and `pidgin show`'s colours."""
Spec = dict[str, Any]


def _data(name: str) -> alt.Data:
    return alt.Data(name=name)  # type: ignore[no-untyped-call]


def _spec(chart: alt.TopLevelMixin, canvas: bool = False) -> Spec:
    """The chart's Vega-Lite JSON; ``canvas``: drawn on a canvas instead of as SVG."""
    spec: Spec = chart.to_dict()
    spec.pop("$schema", None)  # A URL: the page's Vega-Lite is the one inlined.
    if canvas:  # vega-embed reads its options for this chart from usermeta.
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    return spec


def _group_color(groups: list[str]) -> Any:
    """Colour by group, each group the same colour in every chart."""
    return alt.Color(
        "group:N",
        title="group",
        scale=alt.Scale(domain=groups),
        legend=alt.Legend(orient="bottom", columns=1),
    )


def convergence_lines(conversations: int, groups: list[str]) -> Spec:
    """One line per conversation, coloured by group (fainter as there are more)."""
    chart = (
        alt.Chart(_data("turns"), title="Convergence over turns, per conversation")
        .mark_line(opacity=0.8 if conversations <= 10 else 0.3, strokeWidth=1)
        .encode(
            x=alt.X("turn:Q", title="turn", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("convergence:Q", title="convergence", scale=alt.Scale(domain=[0, 1])),
            color=_group_color(groups),
            detail="id:N",
            tooltip=["group:N", "conversation:N", "turn:Q", "convergence:Q"],
        )
        .properties(width=WIDE, height=HEIGHT)
    )
    return _spec(chart, conversations > CANVAS_ABOVE)


def convergence_band(groups: list[str]) -> Spec:
    """Per group, the mean convergence per turn with a band of one standard deviation."""
    title = "Mean convergence across repetitions (band: ± 1 SD)"
    base = alt.Chart(_data("convergence_bands"), title=title).encode(
        x=alt.X("turn:Q", title="turn", axis=alt.Axis(tickMinStep=1)),
        color=_group_color(groups),
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title="convergence", scale=alt.Scale(domain=[0, 1], clamp=True)),
        y2="high:Q",
    )
    line = base.mark_line().encode(
        y="mean:Q", tooltip=["group:N", "turn:Q", "mean:Q", "conversations:Q"]
    )
    return _spec((band + line).properties(width=WIDE, height=HEIGHT))


def convergence_heatmap(conversations: int) -> Spec:
    """Conversations (rows, in report order) × turns, coloured by convergence."""
    row_height = 4 if conversations > 60 else 12
    chart = (
        alt.Chart(_data("turns"), title="Convergence heatmap: conversations × turns")
        .mark_rect()
        .encode(
            x=alt.X("turn:O", title="turn"),
            y=alt.Y(
                "id:N",
                title="conversation",
                sort=None,
                axis=alt.Axis(
                    labels=conversations <= 60, ticks=False, labelExpr="slice(datum.value, 0, 8)"
                ),
            ),
            color=alt.Color(
                "convergence:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1]), title="conv."
            ),
            tooltip=["group:N", "conversation:N", "turn:Q", "convergence:Q"],
        )
        .properties(width=WIDE, height=max(60, row_height * conversations))
    )
    return _spec(chart, conversations > CANVAS_ABOVE)


def agent_measure(title: str, groups: list[str]) -> Spec:
    """One per-agent measure over turns: a line per agent (dashed per group)."""
    encoding: dict[str, Any] = {
        "color": alt.Color("agent:N", title="agent", scale=alt.Scale(range=AGENT_COLOURS)),
        "tooltip": ["group:N", "agent:N", "turn:Q", "value:Q"],
    }
    if len(groups) > 1:
        encoding["strokeDash"] = alt.StrokeDash("group:N", title="group")
    return _over_turns("agent_measures", title, encoding)


def cross_measure(title: str, groups: list[str]) -> Spec:
    """One measure across the two agents over turns: a line per group."""
    encoding = {"color": _group_color(groups), "tooltip": ["group:N", "turn:Q", "value:Q"]}
    return _over_turns("cross_measures", title, encoding)


def _over_turns(dataset: str, title: str, encoding: dict[str, Any]) -> Spec:
    """The mean of one measure (rows of ``dataset`` whose ``measure`` is ``title``) by turn."""
    chart = (
        alt.Chart(_data(dataset), title=title)
        .transform_filter(alt.datum.measure == title)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("turn:Q", title="turn", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title="mean"),
            **encoding,
        )
        .properties(width=NARROW, height=HEIGHT * 5 // 7)
    )
    return _spec(chart)


def distribution(statistic: str, groups: list[str]) -> Spec:
    """One statistic across repetitions: a box per group with every conversation as a tick."""
    base = alt.Chart(_data("statistics"), title=statistic).transform_filter(
        (alt.datum.statistic == statistic) & alt.expr.isValid(alt.datum.value)
    )
    box = base.mark_boxplot(extent="min-max", opacity=0.5).encode(
        x=alt.X("value:Q", title=statistic),
        y=alt.Y("group:N", title=None),
        color=_group_color(groups),
    )
    ticks = base.mark_tick(color="#333", opacity=0.6).encode(
        x="value:Q", y="group:N", tooltip=["group:N", "conversation:N", "value:Q"]
    )
    return _spec((box + ticks).properties(width=NARROW))


def difference_interval(measure: str, groups: list[str]) -> Spec:
    """One measure: each group's difference from the first group, with its bootstrap CI."""
    data = _data("differences")
    base = (
        alt.Chart(data, title=measure)
        .transform_filter(alt.datum.measure == measure)
        .encode(y=alt.Y("group:N", title=None, sort=None), color=_group_color(groups))
    )
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title="difference from the first group"), x2="high:Q"
    )
    point = base.mark_point(filled=True, size=50).encode(
        x="difference:Q", tooltip=["group:N", "difference:Q", "low:Q", "high:Q"]
    )
    zero = alt.Chart(data).mark_rule(color="#999", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return _spec((zero + rule + point).properties(width=NARROW))
