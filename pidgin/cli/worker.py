"""``pidgin worker``: run experiment conversations handed out through PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click

from pidgin.cli.common import UserError, output_option, store_option, store_url


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=4,
    show_default=True,
    help="Conversations this worker runs at once (they wait on the network, not the CPU).",
)
@click.option(
    "--providers",
    default=None,
    metavar="NAME,...",
    help="Take only conversations whose agents all use these providers "
    "(e.g. anthropic,ollama); default: every provider.",
)
@click.option(
    "--until-idle", is_flag=True, help="Exit once no job is waiting (default: run until stopped)."
)
@click.option("--heartbeat", type=click.FloatRange(min=0.1), default=10.0, hidden=True)
@click.option("--rate-window", type=click.FloatRange(min=0.1), default=60.0, hidden=True)
@store_option
@output_option
def worker_command(
    concurrency: int,
    providers: str | None,
    until_idle: bool,
    heartbeat: float,
    rate_window: float,
    store: str | None,
    output: Path,
) -> None:
    """Run conversations of experiments started with `experiment start --distributed`.

    Start one on every machine that should work, all on the same PostgreSQL store.
    Each job rebuilds its conversation from the log and continues it, so nothing is
    recorded twice; a worker that dies (kill -9, a lost machine) stops sending its
    heartbeat, and after three missed beats (30 s) its conversations are taken up by
    the others. Rate limits from models.toml hold across all workers together.
    Transcripts are written under OUTPUT/transcripts on the machine that ran them.

    Example: pidgin worker --store postgresql://pidgin:PASS@db:5432/pidgin --concurrency 8
    """
    import asyncio

    from eventlog import parse_store_url
    from pidgin.distributed.worker import WorkerOptions, serve
    from pidgin.providers.registry import PROVIDERS

    url = parse_store_url(store_url(store, output))
    if url.scheme != "postgresql":
        raise UserError(f"workers need a postgresql:// store (the queue lives there), not {url}")
    chosen = tuple(p.strip() for p in (providers or "").split(",") if p.strip())
    unknown = sorted(set(chosen) - set(PROVIDERS))
    if unknown:
        raise click.BadParameter(
            f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}",
            param_hint="--providers",
        )
    options = WorkerOptions(
        url=url,
        output=output,
        concurrency=concurrency,
        providers=chosen,
        until_idle=until_idle,
        heartbeat_seconds=heartbeat,
        rate_window_seconds=rate_window,
    )
    click.echo(f"Worker {options.name} on {url} (concurrency {concurrency}); Ctrl+C stops.")
    asyncio.run(serve(options))
