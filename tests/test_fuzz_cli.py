"""A fuzz of command-line options and spec files, with a fixed seed: every invocation
ends with exit 0, or exit 2 and exactly one ``Error:`` line; never a traceback.

Values come from pools of hostile inputs (NaN, infinities, huge and negative numbers,
empty and long strings, odd YAML) so that a few hundred in-process runs reach the
boundaries; the valid values are kept small so that the runs that do record stay quick.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from pidgin.cli import cli

SEED = 20261203
TRIALS = 400
NUMBERS = ["nan", "NaN", "inf", "-inf", "1e400", "-1", "0", "0.5", "1", "2", "2.5", "x", ""]
INTEGERS = ["-1", "0", "1", "2", "100001", "1e3", "nan", "99999999999999999999999", "1.5", "x"]
TEXTS = ["", "   ", "hi", "é" * 3, "x" * 5000, "--", "%00", "a\nb"]
MODELS = ["local:test", "nosuch:model", "", "local:", ":"]  # none that would need a server

CHAT_OPTIONS: dict[str, list[str]] = {
    "--temperature": NUMBERS,
    "--convergence-threshold": NUMBERS,
    "--seed": INTEGERS,
    "-t": INTEGERS,
    "-p": TEXTS,
    "-a": MODELS,
    "--first-speaker": ["a", "b", "c", ""],
    "--convergence-action": ["stop", "notify", "explode"],
    "--convergence-profile": ["balanced", "content=2", "content=nan", "x=1", ""],
    "--name": TEXTS,
    "--base-url": ["http://u:p@127.0.0.1:1/v1", "::", ""],
    "-w": ["none", "basic", "nosuch", "missing.yaml"],
    "--delay": ["nan", "inf", "-1", "0", "x"],
}
EXPERIMENT_OPTIONS = {**CHAT_OPTIONS, "-r": INTEGERS, "--parallel": INTEGERS}

YAML_VALUES = [
    ".nan", ".inf", "-.inf", "1e400", "-1", "0", "1", "2", "99999999999999999999999",
    "''", "x", "[]", "{}", "null", "true", "*nowhere", "&a [*a]", "'" + "y" * 3000 + "'",
]  # fmt: skip
SPEC_KEYS = [
    "name", "prompt", "turns", "repetitions", "parallel", "seed", "awareness",
    "first_speaker", "base_url", "choose_names", "store", "output",
    "convergence.threshold", "convergence.action", "convergence.profile",
    "agents.a.temperature", "agents.b.model", "agents.a.awareness", "agents.a.system_prompt",
]  # fmt: skip
SAFE_VALUES = {"turns": "1", "repetitions": "1", "parallel": "1"}


def _options(rng: random.Random, pool: dict[str, list[str]]) -> list[str]:
    args: list[str] = []
    for option in rng.sample(sorted(pool), rng.randint(1, 3)):
        args += [option, rng.choice(pool[option])]
    return args


def _spec(rng: random.Random) -> str:
    data: dict[str, str] = {**SAFE_VALUES}
    for key in rng.sample(SPEC_KEYS, rng.randint(1, 4)):
        data[key] = rng.choice(YAML_VALUES)
    lines = []
    for key, value in data.items():
        *parents, leaf = key.split(".")
        lines.append("".join(f"{p}: {{" for p in parents) + f"{leaf}: {value}" + "}" * len(parents))
    return "\n".join(lines) + "\n"


def _invocation(rng: random.Random, here: Path, trial: int) -> list[str]:
    kind = rng.choice(["chat", "chat", "experiment", "spec", "spec", "other"])
    if kind == "chat":
        return ["chat", "-q", "-t", "1", *_options(rng, CHAT_OPTIONS)]
    if kind == "experiment":
        options = _options(rng, EXPERIMENT_OPTIONS)
        return ["experiment", "start", "--foreground", "-q", "-t", "1", *options]
    if kind == "spec":
        spec = here / f"spec{trial}.yaml"
        spec.write_text(_spec(rng), encoding="utf-8")
        command = rng.choice([["validate"], ["start", "--foreground", "-q"]])
        return ["experiment", command[0], str(spec), *command[1:]]
    return rng.choice(
        [
            ["branch", rng.choice(TEXTS) or "x", "--turn", rng.choice(INTEGERS)],
            ["query", rng.choice(["SELECT 1", "SELEC", "SELECT 'nan'::DOUBLE"])],
            ["project", "--workers", rng.choice(INTEGERS), "--batch-size", rng.choice(INTEGERS)],
            ["replay", rng.choice(TEXTS) or "x"],
            ["log", "export", "-c", rng.choice(TEXTS) or "x"],
        ]
    )


def test_fuzzed_options_and_spec_files_never_end_in_a_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    runner = CliRunner()
    assert runner.invoke(cli, ["chat", "-q", "-t", "1"]).exit_code == 0  # something to query
    assert runner.invoke(cli, ["project", "-q"]).exit_code == 0
    for trial in range(TRIALS):
        args = _invocation(rng, workdir, trial)
        result = runner.invoke(cli, args, catch_exceptions=True)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
        shown = f"{args!r}: exit {result.exit_code}\n{result.output[-2000:]}"
        assert result.exception is None or isinstance(result.exception, SystemExit), shown
        assert "Traceback" not in result.output, shown
        if result.exit_code == 0:
            outcomes["exit 0"] += 1
        else:
            # `experiment validate` lists every problem of a spec, one line each.
            one_each = args[:2] == ["experiment", "validate"]
            lines = result.stderr.splitlines()
            assert result.exit_code == 2, shown
            assert len(errors) == 1 or (one_each and len(errors) == len(lines)), shown
            outcomes["exit 2, Error: line(s)"] += 1
    assert sum(outcomes.values()) == TRIALS
    with capsys.disabled():
        print(f"\nfuzz (seed {SEED}): {TRIALS} trials: {dict(outcomes)}")
