"""Open a report in headless Chromium (the Debian package) with the network off, and say
what a person would see: which charts drew, what the page logged, what it asked for.

Playwright drives the system's Chromium (``executable_path``); nothing is downloaded.
Every request that is not the report file itself is refused and recorded.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageVisit:
    charts: dict[str, dict[str, int | str]] = field(default_factory=dict)
    """chart id → rendered state, kind (svg or canvas), marks drawn, width and height."""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for other than the report file."""
    seconds_to_charts: float = 0.0
    busy_seconds: dict[str, float] = field(default_factory=dict)
    """Chromium's own Performance metrics at that moment: seconds its main thread spent
    in tasks, script, layout and style (less sensitive to a busy machine than the wall
    clock)."""
    title: str = ""
    transcripts: int = 0
    shown_after_filter: int = -1


BUSY = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")

CHART_STATE = """() => Array.from(document.querySelectorAll("figure[data-chart]")).map(f => {
  const svg = f.querySelector("svg"), canvas = f.querySelector("canvas");
  const drawn = svg || canvas;
  const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
  let marks = 0;
  if (svg) {
    marks = svg.querySelectorAll("path, rect, line, circle, text").length;
  } else if (canvas && canvas.width && canvas.height) {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) marks += 1;
  }
  return [f.dataset.chart, {
    rendered: f.dataset.rendered || "no", kind: svg ? "svg" : canvas ? "canvas" : "none",
    marks: marks, width: Math.round(box.width), height: Math.round(box.height)}];
})"""
"""Per chart: drawn or not, as SVG or on a canvas, its marks (SVG elements, or painted
canvas pixels) and its size on the page."""


def visit(report: Path, screenshot: Path | None = None, filter_text: str = "") -> PageVisit:
    """Open ``report``, wait until every chart settled, and report what happened."""
    from playwright.sync_api import ConsoleMessage, Error, Route, sync_playwright

    executable = chromium_path()
    assert executable is not None, "chromium is not installed (apt-get install chromium)"
    result = PageVisit()
    url = report.resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})

            def route(request_route: Route) -> None:
                if request_route.request.url == url:
                    request_route.continue_()
                else:
                    result.requests.append(request_route.request.url)
                    request_route.abort()

            def console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    result.console_errors.append(message.text)

            def page_error(error: Error) -> None:
                result.page_errors.append(str(error))

            context.route("**/*", route)
            page = context.new_page()
            devtools = context.new_cdp_session(page)
            devtools.send("Performance.enable")
            page.on("console", console)
            page.on("pageerror", page_error)
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            page.wait_for_function("document.body.dataset.chartsDone === 'true'", timeout=120_000)
            result.seconds_to_charts = time.perf_counter() - started
            metrics = devtools.send("Performance.getMetrics")["metrics"]
            result.busy_seconds = {
                m["name"].removesuffix("Duration").lower(): round(m["value"], 3)
                for m in metrics
                if m["name"] in BUSY
            }
            result.charts = dict(page.evaluate(CHART_STATE))
            result.title = page.title()
            result.transcripts = page.locator("details.transcript").count()
            if screenshot is not None:
                page.evaluate(
                    "document.querySelectorAll('details.transcript')[0]?.setAttribute('open', '')"
                )
                page.screenshot(path=str(screenshot), full_page=True)
            if filter_text:
                page.fill("#filter", filter_text)
                result.shown_after_filter = page.locator("details.transcript:not([hidden])").count()
        finally:
            browser.close()
    return result
