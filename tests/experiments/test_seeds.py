"""Repetitions of an experiment differ, each by its own recorded seed, and the experiment
seed (drawn and recorded when not given) reproduces the whole experiment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from pidgin.domain import Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.plan import SEED_LIMIT, conversation_seed, derived_seed
from tests.helpers import recorded_events

LARGEST = str(SEED_LIMIT - 1)


def _experiments(workdir: Path) -> list[dict[str, Any]]:
    """Per experiment in log order: its recorded settings and, by index, each
    conversation's seed and texts."""
    events = [r.event for r in recorded_events(workdir)]
    found: dict[Any, dict[str, Any]] = {}
    index_of: dict[str, tuple[Any, int]] = {}
    seeds: dict[Any, int | None] = {}
    texts: dict[Any, list[str]] = defaultdict(list)
    for event in events:
        if isinstance(event, Experiment.ExperimentCreated):
            found[event.originator_id] = {"settings": event.settings, "by_index": {}}
        elif isinstance(event, Experiment.ConversationScheduled):
            index_of[event.conversation_id] = (event.originator_id, event.index)
        elif isinstance(event, Conversation.ConversationStarted):
            seeds[event.originator_id] = event.seed
        elif isinstance(event, Conversation.MessageCompleted):
            texts[event.originator_id].append(event.text)
    for conversation_id, (experiment_id, index) in index_of.items():
        key = next(k for k in seeds if str(k) == conversation_id)
        found[experiment_id]["by_index"][index] = (seeds[key], tuple(texts[key]))
    return list(found.values())


def _start(run_cli: Callable[..., Result], *options: str) -> None:
    result = run_cli("experiment", "start", "-t", "2", "--foreground", "-q", *options)
    assert result.exit_code == 0, result.output


def test_repetitions_without_a_seed_differ_and_the_drawn_seed_reproduces_them(
    run_cli: Callable[..., Result], workdir: Path
) -> None:
    _start(run_cli, "-r", "4")
    (first,) = _experiments(workdir)
    experiment_seed = first["settings"]["seed"]
    assert isinstance(experiment_seed, int) and 0 <= experiment_seed < SEED_LIMIT
    seeds = [first["by_index"][i][0] for i in range(4)]
    assert seeds == [derived_seed(experiment_seed, i) for i in range(4)]
    assert len(set(seeds)) == 4
    assert len({texts for _, texts in first["by_index"].values()}) == 4

    _start(run_cli, "-r", "4", "--seed", str(experiment_seed))
    _, again = _experiments(workdir)
    assert again["settings"]["seed"] == experiment_seed
    assert again["by_index"] == first["by_index"]

    _start(run_cli, "-r", "4")  # another draw: another experiment
    _, _, other = _experiments(workdir)
    assert other["settings"]["seed"] != experiment_seed


def test_the_largest_seed_gives_seeds_in_range(
    run_cli: Callable[..., Result], workdir: Path
) -> None:
    _start(run_cli, "-r", "2", "--seed", LARGEST)
    (experiment,) = _experiments(workdir)
    assert experiment["settings"]["seed"] == SEED_LIMIT - 1
    assert all(0 <= seed < SEED_LIMIT for seed, _ in experiment["by_index"].values())


def test_derivation_stays_in_range_and_old_experiments_keep_seed_plus_index() -> None:
    for seed in (0, 1, SEED_LIMIT - 1):
        for index in (0, 1, 99_999):
            assert 0 <= derived_seed(seed, index) < SEED_LIMIT
    assert derived_seed(7, 0) != derived_seed(7, 1) != derived_seed(8, 0)
    # Recorded before seeds were derived by hash: a resume creates what the first runner would.
    assert conversation_seed({"seed": 7}, 3) == 10
    assert conversation_seed({"seed": None}, 3) is None
    assert conversation_seed({"seed": 7, "seed_derivation": "sha256"}, 3) == derived_seed(7, 3)
