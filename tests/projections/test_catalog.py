"""The catalog projection: incremental, exactly-once, rebuilt when deleted or when the
store was replaced, and kept in memory where it cannot be written."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from eventlog import DamagedEventError, open_store, parse_store_url
from eventlog.transfer import copy_store
from pidgin.domain import AgentSpec, Conversation
from projections import catalog_db
from projections.catalog import started_ids
from projections.catalog_filters import Filters, select
from projections.catalog_open import catalog_path, open_catalog
from projections.catalog_search import search
from projections.conversation_view import read_conversations
from projections.transcripts import total_cost
from tests.eventlog import damage
from tests.eventlog.stores import fresh_store_url


def _url(path: Path) -> str:
    return f"sqlite:///{str(path).lstrip('/')}"


def _conversation(
    turns: int, *, text: str = "hello there", model: str = "local:test"
) -> Conversation:
    spec = AgentSpec(model=model, provider="local", display_name="A")
    conversation = Conversation.start(spec, spec, "Talk.", max(turns, 1))
    for turn in range(1, turns + 1):
        conversation.start_turn(turn)
        for agent in ("a", "b"):
            conversation.request_message(agent, turn)
            conversation.complete_message(
                agent, turn, f"{text} {turn}{agent}\nsecond line", tokens_in=10, tokens_out=5,
                time_to_first_token=None, duration=0.1, model=model,
            )  # fmt: skip
        conversation.complete_turn(turn, 0.5)
    return conversation


def _listed(log, output: Path) -> list[catalog_db.CatalogEntry]:
    with open_catalog(log, output) as connection:
        return select(connection, Filters())


def test_incremental_exactly_once_and_status_from_the_log(tmp_path: Path) -> None:
    with open_store(_url(tmp_path / "events.db")) as log:
        first = _conversation(2)
        first.end("max_turns")
        log.save(first)
        assert [(e.turns, e.status, e.tokens_in_a) for e in _listed(log, tmp_path)] == [
            (2, "ended", 20)
        ]
        second = _conversation(1)
        log.save(second)
        second.pause("convergence")
        log.save(second)
        with open_catalog(log, tmp_path) as connection:
            applied_again = catalog_db.update(connection, log)
            entries = select(connection, Filters())
            messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        assert applied_again == 0  # nothing new: nothing read
        assert [(e.id, e.status, e.paused_reason) for e in entries] == [
            (str(first.id), "ended", None),
            (str(second.id), "paused", "convergence"),
        ]
        assert messages == 6  # each message once, though the catalog was updated three times
        assert entries[0].tokens_in_a + entries[0].tokens_in_b == 40


def test_deleted_or_replaced_store_rebuilds_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with open_store(_url(path)) as log:
        log.save(_conversation(1), _conversation(1))
        assert len(_listed(log, tmp_path)) == 2
    catalog_path(log.url, tmp_path).unlink()
    with open_store(_url(path)) as log:
        assert len(_listed(log, tmp_path)) == 2
    path.unlink()  # a new store at the same path, as long as the old one: a different log
    with open_store(_url(path)) as log:
        replacement = _conversation(1)
        log.save(replacement, _conversation(0))
        assert log.max_position() > 0
        assert {e.id for e in _listed(log, tmp_path)} >= {str(replacement.id)}
        assert len(_listed(log, tmp_path)) == 2


def test_two_processes_updating_at_once_apply_each_event_once(tmp_path: Path) -> None:
    with open_store(_url(tmp_path / "events.db")) as log:
        log.save(*[_conversation(3) for _ in range(20)])
    errors: list[BaseException] = []

    def list_it() -> None:
        try:
            with open_store(_url(tmp_path / "events.db"), create=False) as own:
                _listed(own, tmp_path)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=list_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    connection = sqlite3.connect(tmp_path / "events.catalog.db")
    assert connection.execute("SELECT count(*) FROM messages").fetchone()[0] == 20 * 3 * 2
    assert connection.execute("SELECT count(*) FROM conversations").fetchone()[0] == 20


def test_search_filters_and_regex(tmp_path: Path) -> None:
    with open_store(_url(tmp_path / "events.db")) as log:
        plain = _conversation(2, text="the Zebra crossing")
        other = _conversation(1, text="nothing here", model="ollama:qwen")
        log.save(plain, other)
        with open_catalog(log, tmp_path) as connection:
            hits = list(search(connection, "zebra", filters=Filters()))
            assert [(h.turn, h.agent, h.line[h.start : h.end]) for h in hits] == [
                (1, "a", "Zebra"),
                (1, "b", "Zebra"),
                (2, "a", "Zebra"),
                (2, "b", "Zebra"),
            ]
            assert len(list(search(connection, "zebra", limit=3))) == 3
            assert list(search(connection, "zebra", filters=Filters(model="qwen"))) == []
            found = list(search(connection, r"here \d+[ab]$", regex=True))
            assert {h.conversation_id for h in found} == {str(other.id)}
            assert list(search(connection, "100%", filters=Filters())) == []  # LIKE escaped


def test_read_only_catalog_folder_works_in_memory(tmp_path: Path) -> None:
    """Where the catalog cannot be written it is built (or copied) in memory."""
    if os.geteuid() == 0:
        pytest.skip("root ignores permission bits; the CLI test uses a read-only mount")
    with open_store(_url(tmp_path / "events.db")) as log:
        log.save(_conversation(1, text=random.choice(["x y", "y z"])))
        tmp_path.chmod(0o555)
        try:
            assert len(_listed(log, tmp_path)) == 1
        finally:
            tmp_path.chmod(0o755)
    assert not catalog_path(log.url, tmp_path).exists()


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
@pytest.mark.parametrize("bulk", [True, False])
def test_the_catalog_agrees_with_the_domain_events_of_an_old_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, bulk: bool
) -> None:
    """The catalog decodes stored states itself: it must read what the domain reads,
    here on a log written by the first round's code (chat, experiment, branch), whether
    it catches up in bulk (Arrow batches) or event by event."""
    monkeypatch.setattr(catalog_db, "BULK", 0 if bulk else 10**9)
    fixture = Path(__file__).parents[1] / "fixtures" / "round1_log" / "events.jsonl"
    (tmp_path / "log").mkdir()
    shutil.copy(fixture, tmp_path / "log" / "events.jsonl")
    url = f"jsonl://{tmp_path / 'log'}"
    if kind == "sqlite":
        with open_store(url, create=False) as source, open_store(_url(tmp_path / "e.db")) as copy:
            copy_store(source, copy, lambda n: None)
        url = _url(tmp_path / "e.db")
    with open_store(url, create=False) as log:
        views = read_conversations(log)
        with open_catalog(log, tmp_path) as connection:
            listed = select(connection, Filters())
            hits = list(search(connection, "the", regex=False))
    assert len(views) >= 3
    assert [
        (e.id, e.turns, e.max_turns, e.end_reason, e.paused_reason, e.experiment_id, e.name)
        for e in listed
    ] == [
        (
            str(v.conversation_id),
            v.completed_turns,
            v.max_turns,
            v.end_reason,
            v.paused_reason,
            v.experiment_id,
            v.name,
        )
        for v in views
    ]
    for entry, view in zip(listed, views, strict=True):
        assert (entry.tokens_in_a, entry.tokens_out_a) == view.tokens("a")
        assert (entry.tokens_in_b, entry.tokens_out_b) == view.tokens("b")
        assert entry.cost == total_cost(view)
        assert entry.started_at == view.started_at.isoformat()
    said = {
        (m.agent, m.turn, line) for v in views for m in v.messages for line in m.text.splitlines()
    }
    assert {(h.agent, h.turn, h.line) for h in hits} <= said
    assert len(hits) == sum(
        1
        for v in views
        for m in v.messages
        for line in m.text.splitlines()
        if "the" in line.lower()
    )


@pytest.mark.parametrize("store", ["sqlite", "jsonl", "postgresql"])
def test_every_store_kind_has_a_catalog(tmp_path: Path, store: str) -> None:
    url = fresh_store_url(store, tmp_path)
    with open_store(url) as log:
        first = _conversation(2, text="alpha beta")
        log.save(first)
        assert [e.turns for e in _listed(log, tmp_path)] == [2]
        first.end("max_turns")
        log.save(first, _conversation(1, text="gamma"))
        assert [e.status for e in _listed(log, tmp_path)] == ["ended", "unfinished"]
        with open_catalog(log, tmp_path) as connection:
            assert [h.turn for h in search(connection, "BETA")] == [1, 1, 2, 2]
    assert catalog_path(log.url, tmp_path).is_file()


def test_a_damaged_catalog_is_rebuilt_from_the_log(tmp_path: Path) -> None:
    with open_store(_url(tmp_path / "events.db")) as log:
        log.save(_conversation(1), _conversation(2))
        catalog_path(log.url, tmp_path).write_bytes(b"not a catalog at all " * 100)
        assert [e.turns for e in _listed(log, tmp_path)] == [1, 2]
    assert catalog_path(log.url, tmp_path).read_bytes().startswith(b"SQLite format 3")


def test_the_event_classes_are_the_decoded_topics() -> None:
    from eventsourcing.utils import get_topic

    from projections import catalog_events

    topics = [get_topic(cls) for cls in catalog_events.event_classes()]
    assert topics == list(catalog_events.KINDS)


@pytest.mark.parametrize("bulk", [False, True], ids=["incremental", "bulk"])
@pytest.mark.parametrize("case", sorted(damage.STATE_EDITS))
def test_a_damaged_event_stops_the_catalog_with_its_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, bulk: bool
) -> None:
    """Both reading paths check every event as every reader does (a catalog event or
    not: a damaged topic must not drop a message silently); the catalog stays put."""
    path = tmp_path / "events.db"
    with open_store(_url(path)) as log:
        log.save(_conversation(1))
        assert len(_listed(log, tmp_path)) == 1
        later = _conversation(2)
        log.save(later)
        damaged = log.max_position() - 1  # the last message of the second conversation
    damage.edit_sqlite(path, damaged, damage.STATE_EDITS[case])
    monkeypatch.setattr(catalog_db, "BULK", -1 if bulk else 10**9)
    with (
        open_store(_url(path), create=False) as log,
        pytest.raises(DamagedEventError, match=f"at position {damaged}:"),
    ):
        _listed(log, tmp_path)
    with sqlite3.connect(catalog_path(parse_store_url(_url(path)), tmp_path)) as catalog:
        assert catalog.execute("SELECT count(*) FROM conversations").fetchone() == (1,)


def test_started_ids_name_a_damaged_start(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with open_store(_url(path)) as log:
        log.save(_conversation(1))
    damage.edit_sqlite(path, 1, damage.STATE_EDITS["cut JSON"])
    with (
        open_store(_url(path), create=False) as log,
        pytest.raises(DamagedEventError, match="at position 1:"),
    ):
        started_ids(log)


def test_version_2_messages_cost_as_the_domain_says(tmp_path: Path) -> None:
    """Unknown token counts, prompt-cache tokens and a gateway's reported cost: the
    catalog's tokens and cost are the transcripts' own (and it reads such messages)."""
    spec = AgentSpec(
        model="m", provider="local", display_name="A", input_price_per_million=3.0,
        output_price_per_million=15.0, cache_read_price_per_million=0.3,
        cache_write_price_per_million=3.75,
    )  # fmt: skip
    conversation = Conversation.start(spec, spec, "Talk.", 2)
    replies = [
        {"tokens_in": 1000, "tokens_out": 50, "cache_read_tokens": 800, "cache_write_tokens": 100},
        {"tokens_in": None, "tokens_out": None},
        {"tokens_in": 10, "tokens_out": 5, "reported_cost_usd": 0.25},
        {"tokens_in": 2000, "tokens_out": 70, "cache_read_tokens": 1500},
    ]
    counts = iter(replies)
    for turn in (1, 2):
        conversation.start_turn(turn)
        for agent in ("a", "b"):
            conversation.request_message(agent, turn)
            conversation.complete_message(
                agent, turn, "hi", time_to_first_token=None, duration=0.1, model="m",
                **next(counts),
            )  # fmt: skip
        conversation.complete_turn(turn, 0.5)
    with open_store(_url(tmp_path / "events.db")) as log:
        log.save(conversation)
        (entry,) = _listed(log, tmp_path)
        (view,) = read_conversations(log)
    assert (entry.tokens_in_a, entry.tokens_out_a) == view.tokens("a") == (1010, 55)
    assert (entry.tokens_in_b, entry.tokens_out_b) == view.tokens("b") == (2000, 70)
    assert entry.cost is not None and entry.cost == total_cost(view)
