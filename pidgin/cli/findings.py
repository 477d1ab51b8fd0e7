"""``pidgin findings``: the episodes the pattern detectors found (docs/patterns.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pidgin.cli.common import UserError, output_option, store_option

QUOTE_WIDTH = 38
"""Characters of the first evidence quote shown in the table (the row fits 80 columns)."""


@click.command("findings")
@click.option(
    "--detector",
    "detectors",
    multiple=True,
    metavar="NAME",
    help="Only this detector (repeatable); `--detector list` names them all.",
)
@click.option(
    "--experiment", default=None, metavar="ID", help="Only this experiment (id prefix or name)."
)
@click.option(
    "-c", "--conversation", default=None, metavar="ID", help="Only this conversation (id prefix)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@store_option
@output_option
def findings_command(
    detectors: tuple[str, ...],
    experiment: str | None,
    conversation: str | None,
    output_format: str,
    store: str | None,
    output: Path,
) -> None:
    """List the patterns found in recorded conversations: gratitude spirals, echo,
    repetition loops, symbol takeover and more, with the turns and quotes that show them.

    Brings the analysis database (OUTPUT/pidgin.duckdb) up to date first.

    Example: pidgin findings --detector gratitude_spiral
    """
    import duckdb

    from pidgin.cli.project import bring_up_to_date
    from projections.patterns import detector_names

    known = detector_names()
    if "list" in detectors:
        click.echo("\n".join(known))
        return
    for name in detectors:
        if name not in known:
            raise click.BadParameter(
                f"unknown detector {name!r}; known: {', '.join(known)}", param_hint="--detector"
            )
    database = bring_up_to_date(store, output)
    where: list[str] = ["TRUE"]
    parameters: list[str] = []
    if detectors:
        where.append(f"f.detector IN ({', '.join('?' for _ in detectors)})")
        parameters.extend(detectors)
    if conversation:
        where.append("f.conversation_id LIKE ?")
        parameters.append(conversation.lower() + "%")
    if experiment:
        where.append(
            "CAST(c.experiment_id AS VARCHAR) IN (SELECT CAST(experiment_id AS VARCHAR) "
            "FROM experiments WHERE CAST(experiment_id AS VARCHAR) LIKE ? OR name = ?)"
        )
        parameters.extend([experiment.lower() + "%", experiment])
    sql = (
        "SELECT f.conversation_id, f.detector, f.detector_version, f.first_turn, f.last_turn, "
        "f.strength, CAST(f.evidence AS VARCHAR) FROM findings f "
        "JOIN conversations c ON CAST(c.conversation_id AS VARCHAR) = f.conversation_id "
        f"WHERE {' AND '.join(where)} ORDER BY c.started_at, f.conversation_id, f.first_turn, "
        "f.detector"
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(sql, parameters).fetchall()
    keys = ("conversation_id", "detector", "detector_version", "first_turn", "last_turn",
            "strength", "evidence")  # fmt: skip
    found = [dict(zip(keys, row, strict=True)) | {"evidence": json.loads(row[6])} for row in rows]
    if output_format == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        if experiment and not rows:
            _check_experiment(database, experiment)
        click.echo("No findings.")
        return
    _print_table(found)


def _check_experiment(database: Path, experiment: str) -> None:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM experiments WHERE CAST(experiment_id AS VARCHAR) LIKE ? "
            "OR name = ?",
            [experiment.lower() + "%", experiment],
        ).fetchone() or (0,)
    if not count:
        raise UserError(f"no experiment matches {experiment!r}")


def _print_table(found: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} findings", title_style="bold")
    for column, justify in (("id", "left"), ("detector", "left"), ("turns", "right"),
                            ("strength", "right"), ("evidence", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in found:
        evidence = row["evidence"]
        assert isinstance(evidence, list)
        first = evidence[0] if evidence else {}
        quote = f"{first.get('turn')}{first.get('agent', '')}: {first.get('quote', '')}"
        turns = f"{row['first_turn']}–{row['last_turn']}"
        table.add_row(
            str(row["conversation_id"])[:8],
            str(row["detector"]),
            turns,
            f"{row['strength']:.2f}",
            quote if len(quote) <= QUOTE_WIDTH else quote[: QUOTE_WIDTH - 1] + "…",
        )
    Console().print(table)
