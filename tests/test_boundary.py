"""What the log must never record, and input that must never become a traceback.

Out-of-range seeds and non-finite numbers are refused at every door (options, spec files,
the domain itself); a value already in a log that no column can hold is projected as NULL
and named by its position; hostile files (billion laughs, deep nesting, not UTF-8, huge)
and hostile paths are one line each.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from eventlog import open_store
from pidgin.cli import cli
from pidgin.domain import AgentSpec, Conversation
from pidgin.domain.boundary import MAX_SEED, SettingError
from pidgin.providers.registry import load_registry_data
from tests.helpers import store_url

BIG_SEED = "100000000000000000000000"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_one_error(result: Result, *fragments: str, code: int = 2) -> str:
    """Exit ``code``, no traceback, exactly one ``Error:`` line holding ``fragments``."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def here(workdir: Path) -> Path:
    return workdir


# -- seeds and numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("chat", "--seed", BIG_SEED),
        ("chat", "--seed", "-1"),
        ("chat", "--temperature", "nan"),
        ("chat", "--temperature", "inf"),
        ("chat", "--convergence-threshold", "NaN"),
        ("chat", "-t", "1000000000000"),
        ("experiment", "start", "--seed", BIG_SEED, "--foreground"),
        ("experiment", "start", "--temperature", "nan", "--foreground"),
        ("experiment", "start", "--convergence-threshold", "NaN", "--foreground"),
        ("experiment", "start", "--convergence-threshold", "-inf", "--foreground"),
        ("branch", "x", "--turn", "1", "--temperature", "nan"),
        ("monitor", "--interval", "nan"),
    ],
)
def test_out_of_range_and_non_finite_options_are_one_line(here: Path, args: tuple[str]) -> None:
    assert_one_error(invoke(*args), "Invalid value")
    assert not (here / "pidgin_output").exists()


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (f"seed: {BIG_SEED}", "seed"),
        ("seed: -3", "seed"),
        ("agents: {a: {temperature: .nan}}", "agents.a.temperature"),
        ("convergence: {threshold: .inf}", "convergence.threshold"),
        ("prompt: [" + ", ".join(["xxxxxxxxxx"] * 2000) + "]", "prompt"),
    ],
)
def test_bad_spec_values_are_one_line_cut_short(here: Path, line: str, fragment: str) -> None:
    (here / "spec.yaml").write_text(line + "\nturns: 1\n", encoding="utf-8")
    for command in (("experiment", "validate"), ("experiment", "start", "--foreground")):
        error = assert_one_error(invoke(*command[:2], "spec.yaml", *command[2:]), fragment)
        assert len(error) < 200
    assert not (here / "pidgin_output").exists()


def test_the_domain_refuses_what_no_column_or_sampler_can_hold() -> None:
    agent = AgentSpec(model="local:test", provider="local", display_name="A")
    with pytest.raises(SettingError, match="seed"):
        Conversation.start(agent, agent, "hi", 1, seed=MAX_SEED + 1)
    with pytest.raises(SettingError, match="temperature"):
        Conversation.start(
            AgentSpec(model="m", provider="local", display_name="A", temperature=float("nan")),
            agent,
            "hi",
            1,
        )
    with pytest.raises(SettingError, match="threshold"):
        Conversation.start(agent, agent, "hi", 1, convergence_threshold=float("inf"))
    assert Conversation.start(agent, agent, "hi", 1, seed=MAX_SEED).seed == MAX_SEED


def test_a_value_no_column_holds_is_named_and_never_blocks_the_log(here: Path) -> None:
    assert invoke("chat", "-t", "1", "-q").exit_code == 0
    url = store_url(here)
    agent = AgentSpec(model="local:test", provider="local", display_name="A").to_dict()
    poisoned = Conversation._create(  # Bypasses every check, as another tool might.
        Conversation.ConversationStarted,
        id=None,
        agent_a=agent,
        agent_b=agent,
        prompt="hi",
        max_turns=2,
        first_speaker="a",
        convergence_threshold=None,
        name="poisoned",
        experiment_id=None,
        parent_conversation_id=None,
        branch_turn=None,
        seed=int(BIG_SEED),
    )
    with open_store(url) as log:
        log.save(poisoned)
        position = log.max_position()
    assert invoke("chat", "-t", "1", "-q", "--seed", "7").exit_code == 0

    for args in (("project", "-q"), ("project", "-q", "--rebuild")):
        result = invoke(*args)
        error = assert_one_error(result, f"position {position}", "seed", code=1)
        assert error.startswith(f"Error: {url} ")
    assert invoke("project", "-q").exit_code == 0  # Nothing new: nothing to report.
    database = here / "pidgin_output" / "pidgin.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute("SELECT name, seed FROM conversations ORDER BY name").fetchall()
        assert connection.execute("SELECT count(*) FROM turns").fetchone() == (2,)
    assert ("poisoned", None) in rows and sum(seed == 7 for _, seed in rows) == 1


# -- hostile files --------------------------------------------------------------------------

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (LAUGHS.encode(), "aliases expand past"),
        (b"a: &a [1, *a]\n", "refers to itself"),
        (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
        (b"name: \xff\xfe\n", "not UTF-8"),
        (b"name: x\n" + b"# padding\n" * 120_000, "larger than"),
    ],
)
def test_hostile_spec_files_are_refused_in_one_line(
    here: Path, content: bytes, fragment: str
) -> None:
    (here / "spec.yaml").write_bytes(content)
    assert_one_error(invoke("experiment", "validate", "spec.yaml"), fragment)
    assert_one_error(invoke("experiment", "start", "spec.yaml"), fragment)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'base: basic\nprompts: {0: {both: "\xff"}}\n', "not UTF-8"),
        (b"base: basic\nprompts: {" + BIG_SEED.encode() + b": {both: x}}\n", "prompts."),
    ],
)
def test_a_bad_awareness_file_is_one_line(here: Path, content: bytes, fragment: str) -> None:
    (here / "aware.yaml").write_bytes(content)
    assert_one_error(invoke("chat", "-t", "1", "-q", "-w", "aware.yaml"), fragment)
    assert not (here / "pidgin_output").exists()


PRICED = b"[models.m]\nprovider = 'openai'\nmodel = 'm'\n"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"[providers.openai]\nmax_attempts = 0\n", "providers.openai.max_attempts"),
        (b"[providers.openai]\nmax_attempts = -1\n", "providers.openai.max_attempts"),
        (b"[providers.openai]\ntimeout = nan\n", "providers.openai.timeout"),
        (b"[providers.openai]\nrequests_per_minute = -5\n", "requests_per_minute"),
        (
            b"[models.m]\nprovider = 'openai'\nmodel = 'm'\ninput_price_per_million = inf\n",
            "models.m.input_price_per_million",
        ),
        (b"[providers.openai]\nkey_env = ['\xff']\n", "not UTF-8"),
    ],
)
def test_a_bad_registry_file_names_the_file_and_key(
    here: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, fragment: str
) -> None:
    path = here / "config" / "pidgin" / "models.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(here / "config"))
    load_registry_data.cache_clear()
    try:
        assert_one_error(invoke("models"), str(path), fragment)
    finally:
        load_registry_data.cache_clear()


# -- hostile paths --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".", "missing-directory/pidgin.log"])
def test_an_unusable_log_file_is_one_line(
    here: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PIDGIN_LOG_FILE", value)
    assert_one_error(invoke("list"), "PIDGIN_LOG_FILE")


def test_names_too_long_and_nul_bytes_are_one_line(here: Path) -> None:
    long = "n" * 300
    for args in (
        ("chat", "-q", "-t", "1", "--store", f"sqlite:///{here}/{long}.db"),
        ("list", "--store", f"jsonl:///{here}/{long}"),
        ("chat", "-q", "-t", "1", "--store", f"sqlite:///{here}/a%00b.db"),
    ):
        assert_one_error(invoke(*args), "store URL")
    assert invoke("chat", "-q", "-t", "1").exit_code == 0
    for more in (("project", "-q", f"{here}/{long}.duckdb"), ("log", "export", "-o", long)):
        assert_one_error(invoke(*more), "File name too long")


# -- query output ---------------------------------------------------------------------------


def test_query_json_and_csv_take_intervals_blobs_and_nan(here: Path) -> None:
    database = here / "empty.duckdb"
    duckdb.connect(str(database)).close()
    sql = (
        "SELECT INTERVAL 1 DAY AS i, '\\xAA\\x01'::BLOB AS b, 'nan'::DOUBLE AS d, "
        "'12:30'::TIME AS t, [INTERVAL 2 HOUR] AS l"
    )
    result = invoke("query", sql, "--db", str(database), "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"b": "aa01"' in result.stdout and '"d": "nan"' in result.stdout
    assert '"i": "1 day, 0:00:00"' in result.stdout and '"t": "12:30:00"' in result.stdout
    result = invoke("query", sql, "--db", str(database), "--format", "csv")
    assert result.exit_code == 0 and "aa01" in result.stdout


def test_a_query_table_is_capped_and_says_how_to_get_the_rest(here: Path) -> None:
    database = here / "empty.duckdb"
    duckdb.connect(str(database)).close()
    sql = "SELECT range FROM range(1000000)"
    result = invoke("query", sql, "--db", str(database))
    assert result.exit_code == 0
    assert "999,000 more rows not shown" in result.stdout and "--format csv" in result.stdout
    assert "999999" not in result.stdout and "1,000,000 rows" in result.stdout
    result = invoke(
        "query", "SELECT range FROM range(1500)", "--db", str(database), "--format", "csv"
    )
    assert len(result.stdout.splitlines()) == 1501


def test_a_counter_no_column_holds_is_one_line_naming_the_positions(here: Path) -> None:
    agent = AgentSpec(model="local:test", provider="local", display_name="A")
    damaged = Conversation.start(agent, agent, "hi", 2)
    damaged.start_turn(1)
    damaged.request_message("a", 1)
    damaged._on_message_completed(  # Bypasses the conductor, as another tool might.
        agent="a",
        turn=1,
        text="x",
        thinking=None,
        tokens_in=10**20,
        tokens_out=1,
        time_to_first_token=None,
        duration=0.1,
        stop_reason=None,
        model="m",
    )
    with open_store(store_url(here)) as log:
        log.save(damaged)
    assert_one_error(invoke("project", "-q"), store_url(here), "positions 1..", "cannot take")


def test_only_secret_text_is_masked_never_a_count() -> None:
    from pidgin.domain.boundary import recordable

    settings = {
        "experiment_max_total_tokens": 10,
        "max_tokens": 5,
        "tokens_per_minute": 900,
        "api_key": "sk-1",
        "openai_api_key": "sk-2",
        "access_token": "t-3",
        "db_password": "p-4",
        "nested": {"secret": "s-5", "tokens_in": 7},
    }
    assert recordable(settings) == {
        "experiment_max_total_tokens": 10,
        "max_tokens": 5,
        "tokens_per_minute": 900,
        "api_key": "***",
        "openai_api_key": "***",
        "access_token": "***",
        "db_password": "***",
        "nested": {"secret": "***", "tokens_in": 7},
    }
