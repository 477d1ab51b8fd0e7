"""Benchmark: distributed workers against a network-bound provider.

A local protocol server (the tests' OpenAI-compatible fake) answers every request after
LATENCY seconds, on 127.0.0.1. Experiments of gpt-4o ↔ gpt-4o conversations run through
`pidgin worker` processes on a PostgreSQL store: 1 worker × concurrency 1, 1 × 8 and
4 × 8. Each is printed in turns/s beside the ideal (workers × concurrency ÷ the time of
one turn, two replies, measured on the same server in this run), and the overhead per
turn of the queue and the shared limiter is the 1 × 1 time per turn minus that ideal.

Run: python benchmarks/bench_distributed.py --store postgresql://USER:PASS@HOST:PORT/DB
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

from eventlog import open_store
from pidgin.domain.experiment import Experiment
from tests.eventlog.stores import reset_postgres
from tests.providers.fake_server import FakeProviderServer

LATENCY = 0.3


def pidgin(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pidgin", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=True)  # fmt: skip


def one_turn_seconds(server: FakeProviderServer) -> float:
    """Two replies in a row through the real OpenAI SDK: what a turn costs at best."""
    import asyncio

    from pidgin.domain import ChatMessage
    from pidgin.providers import create_provider, resolve_model

    async def turns() -> float:
        provider = create_provider(resolve_model("gpt-4o"))
        start = 0.0
        for index in range(4):  # the first warms the connection up
            if index == 1:
                start = time.perf_counter()
            for _ in range(2):
                [_ async for _ in provider.stream_response([ChatMessage("user", "hi")], None)]
        return (time.perf_counter() - start) / 3

    return asyncio.run(turns())


def run(url: str, env: dict[str, str], workers: int, concurrency: int, turns: int) -> float:
    """Turns per second of one experiment with ``workers`` × ``concurrency``."""
    reset_postgres(url)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        conversations = max(1, workers * concurrency)
        started = pidgin("experiment", "start", "--distributed", "--store", url, "-o", "out",
                         "-a", "gpt-4o", "-b", "gpt-4o", "-r", str(conversations), "-t",
                         str(turns), cwd=cwd, env=env)  # fmt: skip
        eid = UUID(next(w for w in started.stdout.split() if w.count("-") == 4))
        begin = time.perf_counter()
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pidgin",
                    "worker",
                    "--store",
                    url,
                    "-o",
                    "out",
                    "--concurrency",
                    str(concurrency),
                ],
                cwd=cwd,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            with open_store(url, create=False) as log:
                while True:
                    experiment: Experiment = log.load(eid)
                    if experiment.state == "completed":
                        break
                    time.sleep(0.05)
            elapsed = time.perf_counter() - begin
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
    return conversations * turns / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a PostgreSQL store URL (emptied!)")
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    server = FakeProviderServer().start()
    try:
        chunks = 8  # the fake's replies stream in about this many chunks
        server.state.chunk_delay = LATENCY / chunks
        env = dict(os.environ)
        env.update(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=f"{server.url}/v1")
        os.environ.update(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=f"{server.url}/v1")
        turn = one_turn_seconds(server)
        print(f"one turn (two replies) on the fake server: {turn * 1000:.0f} ms")
        print(f"{'workers × concurrency':24} {'turns/s':>8} {'ideal':>8} {'ratio':>6}")
        per_turn_1x1 = None
        for workers, concurrency in ((1, 1), (1, 8), (4, 8)):
            rate = run(args.store, env, workers, concurrency, args.turns)
            ideal = workers * concurrency / turn
            print(f"{workers} × {concurrency:<20} {rate:8.2f} {ideal:8.2f} {rate / ideal:6.2f}")
            if per_turn_1x1 is None:
                per_turn_1x1 = 1 / rate
        assert per_turn_1x1 is not None
        print(f"overhead per turn (queue, log, limiter, 1 × 1): "
              f"{(per_turn_1x1 - turn) * 1000:.0f} ms")  # fmt: skip
    finally:
        server.stop()


if __name__ == "__main__":
    main()
