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
    """chart id → rendered state, SVG marks drawn, SVG width and height."""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for other than the report file."""
    seconds_to_charts: float = 0.0
    title: str = ""
    transcripts: int = 0
    shown_after_filter: int = -1


CHART_STATE = """() => Array.from(document.querySelectorAll("figure[data-chart]")).map(f => {
  const svg = f.querySelector("svg");
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return [f.dataset.chart, {
    rendered: f.dataset.rendered || "no",
    marks: svg ? svg.querySelectorAll("path, rect, line, circle, text").length : 0,
    width: Math.round(box.width), height: Math.round(box.height)}];
})"""


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
            page.on("console", console)
            page.on("pageerror", page_error)
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            page.wait_for_function("document.body.dataset.chartsDone === 'true'", timeout=120_000)
            result.seconds_to_charts = time.perf_counter() - started
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
