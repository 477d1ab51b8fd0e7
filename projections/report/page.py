"""The report as one self-contained HTML file: the template, its style and script, the
Vega libraries and every dataset inline, so it opens with no network.

Nothing in the page depends on the clock or the machine: the same database gives the
same bytes.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from projections.report.data import Record, ReportData
from projections.report.sections import Page, columnar

TEMPLATES = "templates"
_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
"""The bundle's snippet: the libraries as globals, for the page's own script."""
_SCRIPT_END = re.compile(r"</script|<!--", re.IGNORECASE)


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert ships them; bundling takes
    about two seconds, so it is done once per process). Its Vega-Lite is Altair's."""
    import altair as alt
    import vl_convert

    version = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    return str(vl_convert.javascript_bundle(_GLOBALS, vl_version=version))


def _resource(name: str) -> str:
    return resources.files("projections.report").joinpath(TEMPLATES, name).read_text("utf-8")


def script_text(text: str) -> str:
    """Script text safe inside a <script> element: no '</script' or '<!--' ends it early
    (JavaScript reads '<\\/' and '<\\!' in strings and regular expressions as '</', '<!')."""
    return _SCRIPT_END.sub(lambda m: m.group(0)[0] + "\\" + m.group(0)[1:], text)


def json_text(value: Any) -> str:
    """Compact JSON for a <script type="application/json">: '<' written as \\u003c."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def render(data: ReportData, page: Page, *, title: str) -> str:
    """The whole HTML document."""
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_resource),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["number"] = _number
    payload = {
        "datasets": {name: columnar(rows) for name, rows in page.datasets.items()},
        "charts": {c.id: c.spec for s in page.sections for c in s.charts},
    }
    template = environment.get_template("report.html.j2")
    return template.render(
        title=title,
        state=data.state,
        groups=data.groups,
        overview=page.overview,
        sections=page.sections,
        comparison=page.comparison,
        pairs=_pairs(data, page),
        findings=data.findings,
        finding_columns=list(data.findings[0]) if data.findings else [],
        transcripts=_transcripts(data),
        style=_resource("report.css"),
        script=script_text(_resource("report.js")),
        vega=script_text(vega_bundle()),
        payload=json_text(payload),
    )


def _number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _transcripts(data: ReportData) -> list[Record]:
    """Each conversation once (in report order): its messages under a heading per turn,
    and what happened between them (injections, errors, waits, pauses) in log order."""
    seen: set[str] = set()
    convergence = {(r["id"], r["turn"]): r["convergence"] for r in data.turns}
    transcripts = []
    for conversation in data.conversations:
        cid = conversation["id"]
        if cid in seen:
            continue
        seen.add(cid)
        events = [(m["position"], "message", m) for m in data.messages.get(cid, [])]
        events += [(n["position"], "note", n) for n in data.notes.get(cid, [])]
        items: list[Record] = []
        turn = 0
        for _, kind, record in sorted(events, key=lambda e: e[0]):
            if kind == "message" and record["turn"] != turn:
                turn = record["turn"]
                items.append(
                    {"kind": "turn", "turn": turn, "convergence": convergence.get((cid, turn))}
                )
            items.append({"kind": kind, **record})
        prompts = data.system_prompts.get(cid, {})
        transcripts.append({**conversation, "items": items, "system_prompts": prompts})
    return transcripts


def _pairs(data: ReportData, page: Page) -> list[Record]:
    """The most different pairs, aligned turn by turn."""
    by_id = {c["id"]: c for c in data.conversations}
    convergence = {(r["id"], r["turn"]): r["convergence"] for r in data.turns}
    aligned = []
    for pair in page.pairs:
        left, right = by_id[pair["a"]], by_id[pair["b"]]
        texts: dict[tuple[str, int], list[Record]] = {}
        for cid in (pair["a"], pair["b"]):
            for message in data.messages.get(cid, []):
                texts.setdefault((cid, message["turn"]), []).append(message)
        last = max([t for (_, t) in texts] or [0])
        aligned.append(
            {
                **pair,
                "left": left,
                "right": right,
                "turns": [
                    {
                        "turn": t,
                        "left": texts.get((pair["a"], t), []),
                        "right": texts.get((pair["b"], t), []),
                        "left_convergence": convergence.get((pair["a"], t)),
                        "right_convergence": convergence.get((pair["b"], t)),
                    }
                    for t in range(1, last + 1)
                ],
            }
        )
    return aligned
