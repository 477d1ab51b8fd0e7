"""Spec files: validated with pydantic, errors name the key, the line and what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pidgin.experiments.awareness import AwarenessFile
from pidgin.experiments.spec import ExperimentSpec, load_spec
from pidgin.experiments.yaml_models import SpecError, load_yaml_model
from tests.conftest import run_pidgin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BAD_SPEC = """\
name: typo
turns: ten
agents:
  a:
    modle: claude
  b:
    temperature: 5
first_speaker: c
extra: 1
"""


def problems_of(tmp_path: Path, text: str, model: type = ExperimentSpec) -> list[str]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_yaml_model(path, model)
    return caught.value.problems


def test_each_problem_names_the_key_the_line_and_what_is_allowed(tmp_path):
    problems = problems_of(tmp_path, BAD_SPEC)
    source = str(tmp_path / "spec.yaml")
    assert sorted(problems) == sorted(
        [
            f"{source} line 2: turns: Input should be a valid integer, unable to parse string "
            "as an integer (got 'ten')",
            f"{source} line 5: agents.a.modle: unknown key; allowed: model, temperature, "
            "max_tokens, awareness, system_prompt, think",
            f"{source} line 7: agents.b.temperature: Input should be less than or equal to 2 "
            "(got 5)",
            f"{source} line 8: first_speaker: Input should be 'a' or 'b' (got 'c')",
            f"{source} line 9: extra: unknown key; allowed: name, agents, awareness, prompt, "
            "turns, repetitions, parallel, convergence, first_speaker, seed, base_url, "
            "choose_names, stop_on, stop_on_pattern, max_cost, max_total_tokens, "
            "experiment_max_cost, experiment_max_total_tokens, cache, store, output",
        ]
    )


def test_yaml_syntax_errors_and_non_mappings_are_reported_with_their_line(tmp_path):
    (problem,) = problems_of(tmp_path, "name: x\nagents: [a\n")
    assert problem.startswith(f"{tmp_path / 'spec.yaml'} line 3: not valid YAML")
    (problem,) = problems_of(tmp_path, "- just\n- a list\n")
    assert "expected a mapping of keys" in problem


def test_convergence_settings_are_checked(tmp_path):
    problems = problems_of(tmp_path, "convergence:\n  action: pause\n  profile: loud\n")
    assert any(
        "line 2: convergence.action: Input should be 'stop' or 'notify'" in p for p in problems
    )
    assert any("line 3: convergence.profile" in p and "balanced" in p for p in problems)


def test_awareness_files_are_validated_the_same_way(tmp_path):
    problems = problems_of(
        tmp_path, "base: chatty\nprompts:\n  2:\n    agent_c: hi\n", model=AwarenessFile
    )
    assert any(
        "line 1: base:" in p and "none, basic, firm, research, backrooms" in p for p in problems
    )
    assert any("line 4: prompts.2.agent_c" in p for p in problems)


def test_relative_paths_in_a_spec_are_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "aware.yaml").write_text("base: firm\n")
    (tmp_path / "sub" / "spec.yaml").write_text("awareness: aware.yaml\noutput: out\n")
    spec = load_spec(tmp_path / "sub" / "spec.yaml")
    assert spec.awareness == str((tmp_path / "sub" / "aware.yaml").resolve())
    assert spec.output == str((tmp_path / "sub" / "out").resolve())


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")))
def test_the_shipped_examples_are_valid(example, tmp_path):
    if example.name == "awareness_shift.yaml":
        load_yaml_model(example, AwarenessFile)
        return
    result = run_pidgin("experiment", "validate", str(example), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_validate_prints_every_problem_and_exits_2(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD_SPEC)
    result = run_pidgin("experiment", "validate", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("Error: bad.yaml line ") for line in lines)
    started = run_pidgin("experiment", "start", "bad.yaml", cwd=tmp_path)
    assert started.returncode == 2
    assert started.stderr.count("\n") == 1 and "(and 4 more problems)" in started.stderr
    assert "Traceback" not in started.stderr
    unknown = run_pidgin("experiment", "start", "-a", "nosuch:model", "--foreground", cwd=tmp_path)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_a_spec_file_runs_and_options_override_it(tmp_path):
    (tmp_path / "spec.yaml").write_text(
        "name: from-file\nturns: 9\nrepetitions: 2\nagents:\n  b:\n    temperature: 0.5\n"
        "    awareness: firm\n"
    )
    result = run_pidgin(
        "experiment", "start", "spec.yaml", "-t", "2", "--foreground", "-q", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Experiment completed: 2 completed, 0 failed, 0 interrupted." in result.stdout
    listed = run_pidgin("experiment", "list", "--format", "json", cwd=tmp_path)
    (experiment,) = json.loads(listed.stdout)
    assert experiment["name"] == "from-file" and experiment["total"] == 2
    status = run_pidgin("experiment", "status", "from-file", "--format", "json", cwd=tmp_path)
    document = json.loads(status.stdout)
    assert [c["turns"] for c in document["conversations"]] == [2, 2]
