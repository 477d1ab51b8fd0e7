"""``pidgin report``: one self-contained HTML file about experiments or conversations."""

from __future__ import annotations

from pathlib import Path

import click

from pidgin.cli.common import DEFAULT_OUTPUT, UserError, store_option
from pidgin.cli.project import bring_up_to_date

REPORT_FILE = "report.html"


@click.command()
@click.argument("selection", nargs=-1, metavar="[EXPERIMENT|CONVERSATION|MODEL_A,MODEL_B]...")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The HTML file to write (default: OUTPUT/{REPORT_FILE}).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Side by side: each argument (an experiment, a conversation or a model pair) is a "
    "group; differences with bootstrap intervals and the most different pairs.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Project the whole log again first (as `pidgin project --rebuild`; needed after "
    "a new metrics version).",
)
@click.option(
    "--no-metrics",
    is_flag=True,
    help="Update the database without per-turn metrics (for one made with `pidgin project "
    "--no-metrics`); the report then leaves the measures out.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the file's path.")
@store_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="Directory of the default store and of the analysis database (pidgin.duckdb).",
)
def report(
    selection: tuple[str, ...],
    out: Path | None,
    compare: bool,
    rebuild: bool,
    no_metrics: bool,
    quiet: bool,
    store: str | None,
    output: Path,
) -> None:
    """Write an HTML report that opens offline: overview, convergence, measures over turns,
    distributions, findings and every transcript. It first brings the analysis database
    (OUTPUT/pidgin.duckdb) up to date with the log.

    Arguments name experiments (name or id prefix), conversations (id prefix) or model
    pairs (MODEL_A,MODEL_B); none: every conversation.

    \b
    Examples:
      pidgin report words -o words.html
      pidgin report --compare words words-2
    """
    from projections.report import ReportError, SelectionError, build_report

    target = out or output / REPORT_FILE
    if target.is_dir():
        raise UserError(f"{target} is a directory, not a file")
    database = bring_up_to_date(store, output, rebuild=rebuild, metrics=not no_metrics)
    try:
        html = build_report(database, list(selection), compare=compare)
    except (ReportError, SelectionError) as error:
        raise UserError(str(error)) from None
    _write(target, html)
    if quiet:
        click.echo(str(target))
    else:
        size = len(html.encode("utf-8"))
        click.echo(f"Wrote {target} ({size / 1e6:.1f} MB): open it in a browser, no network needed")


def _write(target: Path, html: str) -> None:
    """Write the file whole or not at all: a temporary file beside it, then renamed."""
    import os
    import tempfile

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".html.tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(html)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise UserError(f"cannot write {target}: {error.strerror or error}") from None
