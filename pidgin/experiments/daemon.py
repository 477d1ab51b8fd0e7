"""Running an experiment in this process (``--foreground``) or in a detached daemon.

``spawn_daemon`` starts ``python -m pidgin.experiments.daemon`` in its own session, its
output appended to ``OUTPUT/experiments/<id>/daemon.log``, and returns at once. The
store URL travels in the environment (``PIDGIN_STORE``), never on the command line where
``ps`` would show a password. Signals: SIGTERM stops gracefully (each conversation
pauses after its current message), SIGUSR1 stops at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from eventlog import open_store
from pidgin.bus import EventBus
from pidgin.experiments.pidfiles import RunnerLock, experiment_dir, lock_for_child, log_path

if TYPE_CHECKING:
    from pidgin.experiments.runner import Notify, RunOutcome

GRACEFUL_SIGNAL = signal.SIGTERM
IMMEDIATE_SIGNAL = signal.SIGUSR1


def runner_command(experiment_id: UUID, output: Path) -> list[str]:
    """The command line of a runner process for the experiment (the store comes from
    ``PIDGIN_STORE`` in its environment)."""
    module = "pidgin.experiments.daemon"
    return [sys.executable, "-m", module, str(experiment_id), "--output", str(output.absolute())]


def spawn_daemon(store_url: str, experiment_id: UUID, output: Path) -> int:
    """Start a detached runner for the experiment and return its PID (without waiting)."""
    directory = experiment_dir(output, experiment_id)
    handle, name_after = lock_for_child(directory)
    env = {**os.environ, "PIDGIN_STORE": store_url}
    command = [*runner_command(experiment_id, output), "--lock-fd", str(handle)]
    with open(log_path(output, experiment_id), "ab") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(handle,),
            env=env,
        )
    name_after(process.pid)
    return process.pid


def run_experiment(
    store_url: str,
    experiment_id: UUID,
    output: Path,
    *,
    bus: EventBus | None = None,
    notify: Notify | None = None,
    lock_handle: int | None = None,
    interactive: bool = False,
) -> RunOutcome:
    """Run or resume the experiment here, holding a PID file while it runs.

    ``interactive``: Ctrl+C stops gracefully, a second Ctrl+C at once.
    """
    from pidgin.experiments.live_stream import LIVE_DIR, StreamWriter
    from pidgin.experiments.runner import ExperimentRunner, update_experiment

    directory = experiment_dir(output, experiment_id)
    bus = bus or EventBus()
    stream = StreamWriter(directory / LIVE_DIR)  # For `attach` in another process.
    stream.attach(bus)
    with (
        RunnerLock(directory, lock_handle),
        open_store(store_url) as log,
        contextlib.closing(stream),
    ):
        runner = ExperimentRunner(
            log, experiment_id, transcripts=output / "transcripts", bus=bus, notify=notify
        )

        def on_interrupt() -> None:
            immediate = runner_stopping[0]
            runner.request_stop(immediate=immediate)
            runner_stopping[0] = True
            message = "now" if immediate else "after the current message (Ctrl+C again: now)"
            print(f"\nStopping {message}", file=sys.stderr, flush=True)

        runner_stopping = [False]

        async def main() -> RunOutcome:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(GRACEFUL_SIGNAL, runner.request_stop, False)
            loop.add_signal_handler(IMMEDIATE_SIGNAL, runner.request_stop, True)
            if interactive:
                loop.add_signal_handler(signal.SIGINT, on_interrupt)
            return await runner.run()

        try:
            return asyncio.run(main())
        except Exception as error:
            message = repr(error)
            update_experiment(log, experiment_id, lambda e: e.fail(message))
            raise


def _log_line(message: str) -> None:
    print(f"{datetime.now(UTC).isoformat(timespec='seconds')} {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """The daemon's entry point (``python -m pidgin.experiments.daemon``)."""
    parser = argparse.ArgumentParser(prog="pidgin.experiments.daemon")
    parser.add_argument("experiment_id", type=UUID)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--lock-fd", type=int, default=None)
    args = parser.parse_args(argv)
    store_url = os.environ.get("PIDGIN_STORE")
    if not store_url:
        print("PIDGIN_STORE is not set", file=sys.stderr)
        return 2
    from pidgin.logging_setup import configure_logging

    configure_logging()
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _log_line(f"runner {os.getpid()} started for experiment {args.experiment_id}")
    outcome = run_experiment(
        store_url, args.experiment_id, args.output, notify=_log_line, lock_handle=args.lock_fd
    )
    counts = ", ".join(f"{n} {kind}" for kind, n in outcome.counts.items())
    _log_line(f"runner {os.getpid()} done: experiment {outcome.state} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
