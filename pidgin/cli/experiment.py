"""``pidgin experiment``: many conversations in the background, resumable from the log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pidgin.cli.awareness_options import awareness_options
from pidgin.cli.common import (
    NO_EXPERIMENTS,
    UserError,
    ensure_writable_directory,
    output_option,
    store_is_missing,
    store_option,
    store_url,
)
from pidgin.cli.conversation_options import agent_options, convergence_options
from pidgin.cli.provider_options import provider_options
from pidgin.cli.stop_options import stop_options
from pidgin.cli.types import DOLLARS, SEED, TEMPERATURE, THRESHOLD, TURNS

STOP_WAIT_SECONDS = 120.0

# CLI option → path in the spec (the spec file's values unless the option was given).
OVERRIDES: dict[str, tuple[str, ...]] = {
    "agent_a": ("agents", "a", "model"),
    "agent_b": ("agents", "b", "model"),
    "prompt": ("prompt",),
    "turns": ("turns",),
    "repetitions": ("repetitions",),
    "name": ("name",),
    "parallel": ("parallel",),
    "awareness": ("awareness",),
    "awareness_a": ("agents", "a", "awareness"),
    "awareness_b": ("agents", "b", "awareness"),
    "first_speaker": ("first_speaker",),
    "temperature_a": ("agents", "a", "temperature"),
    "temperature_b": ("agents", "b", "temperature"),
    "max_tokens_a": ("agents", "a", "max_tokens"),
    "max_tokens_b": ("agents", "b", "max_tokens"),
    "convergence_threshold": ("convergence", "threshold"),
    "convergence_action": ("convergence", "action"),
    "convergence_profile": ("convergence", "profile"),
    "seed": ("seed",),
    "base_url": ("base_url",),
    "choose_names": ("choose_names",),
    "stop_on": ("stop_on",),
    "stop_on_pattern": ("stop_on_pattern",),
    "max_cost": ("max_cost",),
    "max_total_tokens": ("max_total_tokens",),
    "experiment_max_cost": ("experiment_max_cost",),
    "experiment_max_total_tokens": ("experiment_max_total_tokens",),
    "think_a": ("agents", "a", "think"),
    "think_b": ("agents", "b", "think"),
}


@click.group()
def experiment() -> None:
    """Run many conversations in the background; list, follow, stop and resume them.

    An experiment is itself recorded in the event log, so its status always comes
    from the log: a runner that died shows as `interrupted`, and `resume` finishes it.
    """


def _given(ctx: click.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source != click.core.ParameterSource.DEFAULT


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


@experiment.command("start")
@click.argument(
    "spec_file", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[SPEC]"
)
@click.option("-a", "--agent-a", default="local:test", metavar="MODEL", help="Model for agent A.")
@click.option("-b", "--agent-b", default="local:test", metavar="MODEL", help="Model for agent B.")
@click.option("-p", "--prompt", default=None, help="The opening prompt.")
@click.option("-t", "--turns", type=TURNS, default=10, show_default=True)
@click.option(
    "-r",
    "--repetitions",
    type=click.IntRange(1, 100_000),
    default=1,
    show_default=True,
    help="Number of conversations.",
)
@click.option("--name", default=None, help="The experiment's name (default: the two models).")
@click.option(
    "--parallel",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Run up to this many conversations at once (default: one after another).",
)
@click.option("--temperature", type=TEMPERATURE, default=None)
@agent_options
@awareness_options
@click.option("--first-speaker", type=click.Choice(["a", "b"]), default="a", show_default=True)
@click.option("--convergence-threshold", type=THRESHOLD, default=None)
@convergence_options
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="The experiment seed (default: drawn at random); each conversation's own seed "
    "is derived from it and recorded, and given to models that sample from a seed (local "
    "models, OpenAI, Gemini, Ollama): repeats differ, and the same --seed reruns them.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Server for openai-compatible:MODEL agents (vLLM, llama.cpp, Ollama's /v1 ...).",
)
@click.option("--choose-names", is_flag=True, help="Each agent picks its own name at the start.")
@stop_options(actions=("stop",))
@provider_options
@click.option(
    "--experiment-max-cost",
    type=DOLLARS,
    default=None,
    metavar="USD",
    help="Start no more conversations once the experiment has spent USD dollars.",
)
@click.option(
    "--experiment-max-total-tokens",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Start no more conversations once the experiment has spent N tokens.",
)
@click.option("--foreground", is_flag=True, help="Run in this terminal instead of a daemon.")
@click.option(
    "--distributed",
    is_flag=True,
    help="Queue the conversations for `pidgin worker` processes on any number of machines "
    "(needs a postgresql:// store) instead of running them here.",
)
@click.option("-q", "--quiet", is_flag=True, help="With --foreground: progress lines only.")
@click.option("-y", "--yes", is_flag=True, help="Pull a missing Ollama model without asking.")
@store_option
@output_option
@click.pass_context
def start(ctx: click.Context, /, spec_file: Path | None, **options: Any) -> None:
    """Start an experiment from options or a SPEC file (YAML); options override the file.

    Returns at once with the experiment id; the conversations run in a background
    process whose PID file and log are under OUTPUT/experiments/ID/.

    Example: pidgin experiment start -a local:test -b local:test -r 20 -t 50 --name trial
    """
    from eventlog import open_store
    from pidgin.domain.experiment import Experiment
    from pidgin.experiments.plan import conversation_settings, default_name
    from pidgin.experiments.spec import ExperimentSpec, load_spec
    from pidgin.experiments.yaml_models import validate_data
    from pidgin.providers import pass_base_url_to_runner

    data: dict[str, Any] = {}
    if spec_file is not None:
        if not spec_file.is_file():
            raise click.BadParameter(f"{spec_file} does not exist", param_hint="SPEC")
        data = load_spec(spec_file).model_dump(exclude_unset=True)
    for both in ("temperature", "max_tokens"):  # first: an agent's own option overrides
        if _given(ctx, both):
            _set(data, ("agents", "a", both), options[both])
            _set(data, ("agents", "b", both), options[both])
    for option, path in OVERRIDES.items():
        if _given(ctx, option) or (spec_file is None and options[option] is not None):
            _set(data, path, options[option])
    if options["no_cache"]:
        data["cache"] = False
    spec = validate_data(data, ExperimentSpec, source="experiment start")

    output: Path = options["output"]
    if not _given(ctx, "output") and spec.output:
        output = Path(spec.output)
    url = store_url(options["store"] or spec.store, output)
    ensure_writable_directory(output)
    settings = conversation_settings(spec, assume_yes=options["yes"])
    pass_base_url_to_runner(spec.base_url)
    name = spec.name or default_name(settings)
    record = spec.model_dump(mode="json") | {"output": str(output.absolute())}
    if options["distributed"]:
        _require_server_store(url)
        record["distributed"] = True
    created = Experiment.create(name, record, settings, spec.repetitions, spec.parallel)
    with open_store(url) as log:
        log.save(created)
    total = f"{spec.repetitions} conversations of {spec.turns} turns"
    if options["distributed"]:
        from pidgin.distributed.client import enqueue_experiment

        queued = enqueue_experiment(url, created)
        click.echo(f"Queued experiment {name}: {total}, {queued} jobs for workers.")
        click.echo(f"  id:      {created.id}")
        click.echo("  run:     pidgin worker --store URL   (on each machine, same store)")
        click.echo(f"  status:  pidgin experiment status {str(created.id)[:8]} --store URL")
        return
    if options["foreground"]:
        click.echo(f"Experiment {name} ({created.id}): {total}, in the foreground.")
        click.echo(f"Seed {settings['seed']} (--seed {settings['seed']} reruns it).")
        _run_here(url, created.id, output, quiet=options["quiet"] or spec.parallel > 1)
        return
    from pidgin.experiments.daemon import spawn_daemon
    from pidgin.experiments.pidfiles import log_path

    pid = spawn_daemon(url, created.id, output)
    click.echo(f"Started experiment {name}: {total}, in the background (pid {pid}).")
    click.echo(f"  id:      {created.id}")
    click.echo(f"  seed:    {settings['seed']} (--seed {settings['seed']} reruns it)")
    click.echo(f"  status:  pidgin experiment status {str(created.id)[:8]} --watch{_where(ctx)}")
    click.echo(f"  follow:  pidgin experiment attach {str(created.id)[:8]}{_where(ctx)}")
    click.echo(f"  log:     {log_path(output, created.id)}")


def _require_server_store(url: str) -> None:
    from eventlog import parse_store_url

    if parse_store_url(url).scheme != "postgresql":
        raise UserError(
            "--distributed needs a postgresql:// store, which every worker reaches "
            f"(the queue lives there), not {parse_store_url(url)}"
        )


def _where(ctx: click.Context) -> str:
    """The --output/--store options to repeat in follow-up commands, if any were given."""
    parts = []
    if _given(ctx, "output"):
        parts.append(f" -o {ctx.params['output']}")
    if (
        ctx.params.get("store")
        and ctx.get_parameter_source("store") == click.core.ParameterSource.COMMANDLINE
    ):
        parts.append(" --store URL")
    return "".join(parts)


def _run_here(url: str, experiment_id: Any, output: Path, *, quiet: bool) -> None:
    """Run (or resume) the experiment in this process, with a live view unless ``quiet``."""
    from rich.console import Console

    from pidgin.bus import EventBus
    from pidgin.cli.live_view import LiveView
    from pidgin.experiments.daemon import run_experiment
    from pidgin.logging_setup import console_logs_quieted

    console = Console()
    bus = EventBus()
    if not quiet:
        LiveView(console).attach(bus)
    with console_logs_quieted(not quiet):  # the live view shows provider errors itself
        outcome = run_experiment(
            url,
            experiment_id,
            output,
            bus=bus,
            notify=(lambda line: console.print(f"[dim]{line}[/]")) if quiet else None,
            interactive=True,
        )
    counts = outcome.counts
    console.print(
        f"Experiment {outcome.state}: {counts.get('completed', 0)} completed, "
        f"{counts.get('failed', 0)} failed, {counts.get('interrupted', 0)} interrupted."
    )
    if outcome.left_to_others:
        console.print(f"{len(outcome.left_to_others)} conversations were run by another runner.")
    if outcome.state == "stopped":
        sys.exit(130)


@experiment.command("validate")
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path), metavar="SPEC")
def validate(spec_file: Path) -> None:
    """Check a spec file without running it: every problem with its key, line and what is
    allowed; exit 2 if there is any."""
    from pidgin.errors import PidginError
    from pidgin.experiments.awareness import check_choice
    from pidgin.experiments.spec import load_spec
    from pidgin.experiments.yaml_models import SpecError
    from pidgin.providers import resolve_model

    try:
        spec = load_spec(spec_file)
        for agent in (spec.agents.a, spec.agents.b):
            resolve_model(agent.model)
            for choice in (agent.awareness, spec.awareness):
                if choice is not None:
                    check_choice(choice)
    except SpecError as error:
        for problem in error.problems:
            click.echo(f"Error: {problem}", err=True)
        sys.exit(2)
    except (PidginError, LookupError) as error:
        click.echo(f"Error: {spec_file}: {error}", err=True)
        sys.exit(2)
    click.echo(
        f"{spec_file} is valid: {spec.repetitions} conversations of {spec.turns} turns, "
        f"{spec.agents.a.model} ↔ {spec.agents.b.model}, up to {spec.parallel} at once."
    )


@experiment.command("list")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table")
@store_option
@output_option
def list_experiments(output_format: str, store: str | None, output: Path) -> None:
    """Every experiment: name, id, status, progress, start time and models."""
    import json

    from rich.console import Console

    from eventlog import open_store
    from pidgin.cli.experiment_tables import experiments_table, status_document
    from pidgin.experiments.status import experiment_ids, read_status

    url = store_url(store, output)
    if store_is_missing(url):
        click.echo("[]" if output_format == "json" else NO_EXPERIMENTS)
        return
    with open_store(url, create=False) as log:
        statuses = [
            read_status(log, eid, output, conversations=False) for eid in experiment_ids(log)
        ]
    if output_format == "json":
        click.echo(json.dumps([status_document(s) for s in statuses], indent=2))
    elif not statuses:
        click.echo("No experiments recorded yet.")
    else:
        Console().print(experiments_table(statuses))


@experiment.command("status")
@click.argument("reference", metavar="ID")
@click.option("--watch", is_flag=True, help="Refresh every second until it ends (Ctrl+C quits).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table")
@store_option
@output_option
def status(
    reference: str, watch: bool, output_format: str, store: str | None, output: Path
) -> None:
    """Per-conversation state, turns, end reasons, tokens, cost and errors. ID may be a
    unique prefix or the experiment's name."""
    import json
    import time

    from rich.console import Console
    from rich.live import Live

    from eventlog import open_store
    from pidgin.cli.experiment_tables import status_document, status_view
    from pidgin.experiments.status import find_experiment, read_status

    with open_store(store_url(store, output), create=False) as log:
        eid = find_experiment(log, reference)
        current = read_status(log, eid, output)
        if output_format == "json":
            click.echo(json.dumps(status_document(current), indent=2))
            return
        if not watch:
            Console().print(status_view(current))
            return
        try:
            with Live(status_view(current), refresh_per_second=2) as live:
                while current.state == "running":
                    time.sleep(1.0)
                    current = read_status(log, eid, output)
                    live.update(status_view(current))
        except KeyboardInterrupt:
            pass


@experiment.command("stop")
@click.argument("reference", metavar="ID")
@click.option("--now", is_flag=True, help="Cancel running conversations at once (interrupted).")
@click.option("--no-wait", is_flag=True, help="Signal the runner and return without waiting.")
@store_option
@output_option
def stop(reference: str, now: bool, no_wait: bool, store: str | None, output: Path) -> None:
    """Stop an experiment: each running conversation finishes its current message and is
    recorded as paused (resume continues it); --now ends them at once as interrupted.
    Nothing completed is ever lost."""
    import os
    import time

    from eventlog import open_store
    from pidgin.experiments.daemon import GRACEFUL_SIGNAL, IMMEDIATE_SIGNAL
    from pidgin.experiments.runner import update_experiment
    from pidgin.experiments.status import find_experiment, read_status

    with open_store(store_url(store, output), create=False) as log:
        eid = find_experiment(log, reference)
        current = read_status(log, eid, output, conversations=False)
        if current.state in ("completed", "stopped", "failed"):
            click.echo(f"Experiment {current.name} is already {current.state}; nothing to stop.")
            return
        if current.queue is not None:
            _stop_distributed(log, eid, now=now, wait=not no_wait, output=output)
            return
        if not current.runners:
            update_experiment(log, eid, lambda e: e.stop(now))
            click.echo(f"No runner of {current.name} is alive; recorded it as stopped.")
            return
        for pid in current.runners:
            os.kill(pid, IMMEDIATE_SIGNAL if now else GRACEFUL_SIGNAL)
        click.echo(f"Asked runner(s) {', '.join(map(str, current.runners))} to stop.")
        if no_wait:
            return
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while current.runners and time.monotonic() < deadline:
            time.sleep(0.1)
            current = read_status(log, eid, output, conversations=False)
        if current.runners:
            raise click.ClickException(f"the runner did not stop within {STOP_WAIT_SECONDS:.0f}s")
        if current.state == "interrupted":  # It died before it could record the stop.
            update_experiment(log, eid, lambda e: e.stop(now))
            current = read_status(log, eid, output, conversations=False)
        click.echo(
            f"Experiment {current.name} is {current.state}: {current.finished}/"
            f"{current.total} conversations finished."
        )


def _stop_distributed(log: Any, eid: Any, *, now: bool, wait: bool, output: Path) -> None:
    """Record the stop in the log (every worker looks there between messages) and cancel
    the jobs no worker has taken yet."""
    import time

    from pidgin.distributed.client import cancel_queued
    from pidgin.experiments.runner import update_experiment
    from pidgin.experiments.status import read_status

    update_experiment(log, eid, lambda e: e.stop(now))
    cancelled = cancel_queued(log.url, eid)
    current = read_status(log, eid, output, conversations=False)
    assert current.queue is not None
    click.echo(
        f"Recorded the stop of {current.name}; cancelled {cancelled} queued jobs; "
        f"{current.queue['running']} running conversations "
        + ("end now (interrupted)." if now else "pause after their current message.")
    )
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while wait and current.queue and current.queue["running"] and time.monotonic() < deadline:
        time.sleep(0.2)
        current = read_status(log, eid, output, conversations=False)
    if wait and current.queue and current.queue["running"]:
        raise click.ClickException(
            f"{current.queue['running']} conversations still running after "
            f"{STOP_WAIT_SECONDS:.0f}s (are their workers alive?)"
        )


def _resume_distributed(url: str, eid: Any, name: str) -> None:
    """Queue again every unfinished conversation (one already queued is left as it is)."""
    import os

    from eventlog import open_store
    from pidgin.distributed.client import enqueue_experiment
    from pidgin.experiments.runner import update_experiment

    with open_store(url, create=False) as log:
        experiment = update_experiment(log, eid, lambda e: e.mark_resumed(os.getpid()))
        queued = enqueue_experiment(log.url, experiment)
    click.echo(
        f"Resumed experiment {name}: queued {queued} jobs for the "
        f"{len(experiment.unfinished())} unfinished conversations; workers take them up."
    )


@experiment.command("resume")
@click.argument("reference", metavar="ID")
@click.option("--foreground", is_flag=True, help="Run in this terminal instead of a daemon.")
@click.option("-q", "--quiet", is_flag=True, help="With --foreground: progress lines only.")
@store_option
@output_option
@click.pass_context
def resume(
    ctx: click.Context,
    reference: str,
    foreground: bool,
    quiet: bool,
    store: str | None,
    output: Path,
) -> None:
    """Continue an experiment whose runner died, was killed or was stopped: finished
    conversations are left alone, one cut off mid-way continues from its last completed
    message, the rest run. Resuming a finished or running experiment is harmless."""
    from eventlog import open_store
    from pidgin.experiments.status import find_experiment, read_status

    url = store_url(store, output)
    with open_store(url, create=False) as log:
        eid = find_experiment(log, reference)
        current = read_status(log, eid, output, conversations=False)
    if current.state == "completed":
        click.echo(f"Experiment {current.name} has already completed; nothing to resume.")
        return
    if current.queue is not None:
        _resume_distributed(url, eid, current.name)
        return
    if current.runners:
        pids = ", ".join(map(str, current.runners))
        click.echo(f"Experiment {current.name} is already running (pid {pids}); nothing to do.")
        return
    if foreground:
        _run_here(url, eid, current.output, quiet=quiet)
        return
    from pidgin.experiments.daemon import spawn_daemon

    pid = spawn_daemon(url, eid, current.output)
    left = current.total - current.finished
    click.echo(
        f"Resumed experiment {current.name} in the background (pid {pid}): "
        f"{left} of {current.total} conversations to finish."
    )


@experiment.command("attach")
@click.argument("reference", metavar="ID")
@store_option
@output_option
def attach(reference: str, store: str | None, output: Path) -> None:
    """Follow the running conversation live (message by message); Ctrl+C detaches
    without stopping anything."""
    from pidgin.cli.attach import follow_experiment

    follow_experiment(store_url(store, output), reference, output)
