"""Benchmark: projecting 1M events into DuckDB (without metrics) against the floor.

The floor, measured in the same run on the same events: msgspec-decode 1M JSON lines
(the stored event states) plus one DuckDB bulk load of an Arrow table with the same
columns as the ``events`` table. Ours: ``pidgin project --to duckdb --no-metrics`` on a
SQLite store holding those 1M events (every table, in bounded batches), run in a process
of its own so that its peak RSS is its own.

The store is generated once (conversations written through the eventlog API) and kept
in a cache directory. Run: python benchmarks/bench_duckdb.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
import msgspec
import pyarrow as pa

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from projections.analysis import project_to_duckdb

TEXTS = [
    "Pidgins grow where traders meet; grammar thins out and words travel. " * k for k in range(1, 9)
] + [
    "I think that is a really interesting point, and I appreciate you raising it. "
    "Perhaps we could explore how contact languages emerge? Of course, it depends.",
    "Yes, exactly! The vocabulary comes mostly from one language, the grammar from none.",
]


def agents() -> tuple[AgentSpec, AgentSpec]:
    def spec(name: str) -> AgentSpec:
        return AgentSpec(
            model="local:test",
            provider="local",
            display_name=name,
            input_price_per_million=3.0,
            output_price_per_million=15.0,
        )

    return spec("Test-A"), spec("Test-B")


def synthetic_conversation(index: int, turns: int, rng: random.Random) -> Conversation:
    """A complete conversation written through the domain API (4 + 5·turns events)."""
    a, b = agents()
    conversation = Conversation.start(a, b, f"Prompt {index}", turns, seed=index)
    for turn in range(1, turns + 1):
        conversation.start_turn(turn)
        for agent in ("a", "b"):
            conversation.request_message(agent, turn)
            conversation.complete_message(
                agent,
                turn,
                rng.choice(TEXTS),
                tokens_in=rng.randint(50, 2000),
                tokens_out=rng.randint(40, 300),
                time_to_first_token=0.01,
                duration=0.2,
                model="local:test",
                stop_reason="end_turn",
            )
        conversation.complete_turn(turn, round(rng.random(), 6))
    conversation.end("max_turns")
    return conversation


def build_store(path: Path, events: int, turns: int = 10) -> None:
    """Write conversations of ``turns`` turns until the store holds ``events`` events."""
    rng = random.Random(1)
    with open_store(f"sqlite:///{str(path).lstrip('/')}") as log:
        written = log.max_position()
        index = 0
        while written < events:
            batch = [synthetic_conversation(index + i, turns, rng) for i in range(200)]
            index += len(batch)
            log.save(*batch)
            written = log.max_position()


Timing = tuple[float, float]
"""(wall seconds, CPU seconds of this process, all threads): CPU time is the fairer
figure on a machine that other work shares."""


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(start: Timing) -> Timing:
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def floor_seconds(path: Path) -> tuple[Timing, int]:
    """msgspec decode of every stored state + one DuckDB bulk load through Arrow."""
    with open_store(f"sqlite:///{str(path).lstrip('/')}") as log:
        notifications = list(log.read_notifications(batch_size=50_000))
    lines = [n.state for n in notifications]
    positions = [n.id for n in notifications]
    ids = [str(n.originator_id) for n in notifications]
    versions = [n.originator_version for n in notifications]
    topics = [n.topic for n in notifications]
    decoder = msgspec.json.Decoder()
    start = _clock()
    for line in lines:
        decoder.decode(line)
    decoded = _since(start)
    arrow_events = pa.table(
        {
            "position": positions,
            "originator_id": ids,
            "version": versions,
            "topic": topics,
            "data": [line.decode() for line in lines],
        }
    )
    with tempfile.TemporaryDirectory() as directory:
        start = _clock()
        connection = duckdb.connect(str(Path(directory) / "floor.duckdb"))
        connection.register("arrow_events", arrow_events)
        connection.execute("CREATE TABLE events AS SELECT * FROM arrow_events")
        connection.close()
        loaded = _since(start)
    return (decoded[0] + loaded[0], decoded[1] + loaded[1]), len(lines)


def project_once(store: Path) -> tuple[Timing, int, float]:
    """Ours, in a process of its own: timing, events projected, peak RSS in MiB (so the
    figure is the projection's alone)."""
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "pidgin.duckdb"
        start = _clock()
        with open_store(f"sqlite:///{str(store).lstrip('/')}", create=False) as log:
            events = project_to_duckdb(log, target, metrics=False).events
        timing = _since(start)
    return timing, events, peak_rss_mib()


def peak_rss_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM, because ru_maxrss of a
    spawned process starts from its parent's size when it forked."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours_seconds(store: Path) -> tuple[Timing, int, float]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(project_once, store).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "pidgin-bench"))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    store = cache / f"events-{args.events}.db"
    if not store.exists():
        print(f"generating {args.events:,} events in {store} (once) ...", flush=True)
        build_store(store, args.events)
    # The machine may be shared: alternate the two measurements and keep the best of each.
    floors: list[Timing] = []
    ours: list[Timing] = []
    peaks: list[float] = []
    count = result_events = 0
    for _ in range(args.repeat):
        floor, count = floor_seconds(store)
        floors.append(floor)
        timing, result_events, peak = ours_seconds(store)
        ours.append(timing)
        peaks.append(peak)
    print(f"events: {count:,} (projected {result_events:,}); best of {args.repeat} runs each")
    for index, label in ((0, "wall"), (1, "CPU")):
        best_floor = min(t[index] for t in floors)
        best_ours = min(t[index] for t in ours)
        ratio = best_ours / best_floor
        print(f"{label:>4}: floor (msgspec decode + Arrow load) {best_floor:6.2f} s;  "
              f"ours {best_ours:6.2f} s;  ratio {ratio:.2f}x (target ≤ 3x)")  # fmt: skip
        runs = ", ".join(
            f"{f[index]:.2f}/{o[index]:.2f}" for f, o in zip(floors, ours, strict=True)
        )
        print(f"      each run, floor/ours: {runs}")
    floor_peak = peak_rss_mib()
    print(f"peak RSS: projection process {max(peaks):,.0f} MiB; "
          f"floor (holds all events in memory) {floor_peak:,.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
