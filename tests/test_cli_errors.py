"""Bad input: a one-line error naming the problem, exit code 2, nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import run_pidgin


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["-a", "nosuch:model"], ["unknown model 'nosuch:model'", "local:test"]),
        (["-b", "gpt-17"], ["unknown model 'gpt-17'"]),
        (["--store", "mongodb://db/x"], ["unknown store scheme 'mongodb'", "sqlite:///"]),
        (["--store", "events.db"], ["has no scheme"]),
        (["--store", "sqlite://"], ["names no path"]),
        (["-t", "0"], ["-t", "0"]),
        (["--temperature", "3"], ["--temperature"]),
        (["--first-speaker", "c"], ["--first-speaker"]),
        (["-p", "   "], ["prompt is empty"]),
    ],
)
def test_chat_rejects_bad_input_and_writes_nothing(tmp_path, args, fragments):
    result = run_pidgin("chat", "-q", *args, cwd=tmp_path)
    assert_one_line_error(result, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_pidgin("chat", "-q", "--output", str(blocker / "out"), cwd=tmp_path)
    assert_one_line_error(result, "output directory", "not writable")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]

    result = run_pidgin("chat", "-q", "--output", str(blocker), cwd=tmp_path)
    assert_one_line_error(result, "is a file")


def test_commands_on_a_store_that_does_not_exist(tmp_path):
    for command in (["replay"], ["replay", "--check"]):
        result = run_pidgin(*command, cwd=tmp_path)
        assert_one_line_error(result, "no store at")
    assert list(tmp_path.iterdir()) == []


def test_replay_of_an_unknown_conversation(tmp_path):
    assert run_pidgin("chat", "-q", "-t", "1", cwd=tmp_path).returncode == 0
    result = run_pidgin("replay", "ffffffff", cwd=tmp_path)
    assert_one_line_error(result, "no conversation in the store matches 'ffffffff'")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_store_chosen_by_option_or_environment(tmp_path, how):
    url = f"sqlite:///{str(tmp_path / 'elsewhere.db').lstrip('/')}"
    if how == "option":
        result = run_pidgin("chat", "-q", "-t", "1", "--store", url, cwd=tmp_path)
    else:
        result = run_pidgin("chat", "-q", "-t", "1", cwd=tmp_path, extra_env={"PIDGIN_STORE": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere.db").is_file()
    assert not (tmp_path / "pidgin_output" / "events.db").exists()
    listed = run_pidgin("list", "--store", url, cwd=tmp_path)
    assert "1/1" in listed.stdout


def test_help_explains_every_command(tmp_path):
    result = run_pidgin("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("chat", "replay", "list"):
        assert command in result.stdout
        help_text = run_pidgin(command, "--help", cwd=tmp_path).stdout
        assert "--store" in help_text and "--output" in help_text
    chat_help = run_pidgin("chat", "--help", cwd=tmp_path).stdout
    for option in (
        "--agent-a",
        "--agent-b",
        "--prompt",
        "--turns",
        "--temperature",
        "--first-speaker",
        "--name",
        "--convergence-threshold",
        "--quiet",
    ):
        assert option in chat_help
