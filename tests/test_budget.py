"""A budget ends a conversation right before the request that would cross it, and the
spend is read from the log, so a kill -9 and a resume change nothing."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from eventlog import open_store
from pidgin.conductor import _expected_reply
from pidgin.domain import Conversation
from pidgin.providers.rate_limit import estimate_tokens
from tests.conftest import pidgin_process, run_pidgin
from tests.helpers import recorded_events, store_url
from tests.test_crash_and_interrupt import wait_for_messages

PROMPT = "What do two people share when they have no language in common?"


def _requests_and_spend(directory: Path) -> list[tuple[int, int]]:
    """For each message of the unbudgeted run: (tokens spent before its request, the
    estimate of its request), as the conductor computes them from the history."""
    events = recorded_events(directory)
    conversation_id = events[0].originator_id
    found = []
    with open_store(store_url(directory), create=False) as log:
        for recorded in events:
            if isinstance(recorded.event, Conversation.MessageRequested):
                before = log.load(conversation_id, version=recorded.version - 1)
                agent = recorded.event.agent
                history = before.history_for(agent)
                estimate = estimate_tokens(sum(len(m.content) for m in history))
                found.append((before.spent.tokens, estimate + _expected_reply(before, agent)))
    return found


def test_a_token_budget_ends_before_the_crossing_request_across_kill_and_resume(
    tmp_path: Path,
) -> None:
    free = tmp_path / "free"
    free.mkdir()
    result = run_pidgin("chat", "-q", "-t", "12", "-p", PROMPT, cwd=free)
    assert result.returncode == 0, result.stderr
    requests = _requests_and_spend(free)
    crossing = 14  # the 15th message's request is the one that must not be made
    spent, estimate = requests[crossing]
    budget = spent + estimate - 1
    assert all(s + e <= budget for s, e in requests[:crossing]), "pick another crossing"

    run = tmp_path / "budgeted"
    run.mkdir()
    args = ("chat", "-t", "12", "-p", PROMPT, "--max-total-tokens", str(budget))
    process = pidgin_process(*args, "--delay", "0.2", cwd=run)
    try:
        wait_for_messages(run, 4)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    killed_at = len([e for e in recorded_events(run) if "MessageCompleted" in e.topic])
    assert 4 <= killed_at < crossing

    conversation_id = recorded_events(run)[0].originator_id
    resumed = run_pidgin("chat", "--resume", str(conversation_id), "-q", cwd=run)
    assert resumed.returncode == 0, resumed.stderr
    events = [e.event for e in recorded_events(run)]
    texts = [e.text for e in events if isinstance(e, Conversation.MessageCompleted)]
    free_texts = [
        e.event.text
        for e in recorded_events(free)
        if isinstance(e.event, Conversation.MessageCompleted)
    ]
    assert texts == free_texts[:crossing]  # every message before the crossing one
    (reached,) = [e for e in events if isinstance(e, Conversation.BudgetReached)]
    assert (reached.kind, reached.limit, reached.spent) == ("tokens", budget, spent)
    assert reached.estimate == estimate
    assert events[-1].reason == "budget"
    # No request was made for the message that would have crossed the budget (the one
    # cut off by the kill was requested again on resuming).
    requested = {(e.agent, e.turn) for e in events if isinstance(e, Conversation.MessageRequested)}
    assert len(requested) == crossing
    assert re.search(r"End reason:\*\* budget", _markdown(run))


def _markdown(directory: Path) -> str:
    (path,) = (directory / "pidgin_output" / "transcripts").glob("*.md")
    return path.read_text()


def test_cost_so_far_counts_cache_tokens_at_their_prices_and_a_cost_budget_stops() -> None:
    from pidgin.domain import AgentSpec

    spec = AgentSpec(
        model="anthropic:claude-sonnet-4-5",
        provider="anthropic",
        display_name="Claude",
        input_price_per_million=3.0,
        output_price_per_million=15.0,
        cache_read_price_per_million=0.3,
        cache_write_price_per_million=3.75,
    )
    conversation = Conversation.start(spec, spec, PROMPT, 5, max_cost_usd=0.03)
    conversation.start_turn(1)
    conversation.request_message("a", 1)
    conversation.complete_message(
        "a",
        1,
        "Gestures.",
        tokens_in=10_000,
        tokens_out=500,
        time_to_first_token=None,
        duration=1.0,
        model="anthropic:claude-sonnet-4-5",
        cache_read_tokens=6_000,
        cache_write_tokens=1_000,
    )
    # 3,000 × 3 + 6,000 × 0.3 + 1,000 × 3.75 + 500 × 15 = 22,050 per million: $0.02205.
    assert conversation.spent.cost == 0.02205
    # 2,000 in + 400 out at full prices: $0.012; 0.02205 + 0.012 > 0.03, so it ends.
    assert conversation.check_budget("b", 1, 2_000, 400)
    assert conversation.end_reason == "budget"
    reached = [
        e for e in conversation.collect_events() if isinstance(e, Conversation.BudgetReached)
    ]
    assert [(r.kind, r.limit, r.spent, r.estimate) for r in reached] == [
        ("cost", 0.03, 0.02205, 0.012)
    ]


def test_an_experiment_that_spent_its_budget_starts_no_more_conversations(
    tmp_path: Path,
) -> None:
    args = ("experiment", "start", "-t", "2", "-r", "4", "--foreground", "-q")
    result = run_pidgin(*args, "--experiment-max-total-tokens", "10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    topics = [e.topic.rsplit(".", 1)[-1] for e in recorded_events(tmp_path)]
    assert topics.count("ExperimentBudgetReached") == 1
    assert topics.count("ConversationEnded") == 1  # the first one ran; then the budget
    assert topics[-1] == "ExperimentCompleted"
    experiment_id = next(
        e.originator_id for e in recorded_events(tmp_path) if "ExperimentCreated" in e.topic
    )
    status = run_pidgin("experiment", "status", str(experiment_id), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    shown = " ".join(status.stdout.split())  # the 80-column table wraps the line
    assert re.search(r"Budget 10 tokens: reached \([\d,]+ tokens spent\)", shown)
    assert "3 conversations not started" in shown


def test_resuming_with_a_budget_records_it_and_counts_what_was_spent(tmp_path: Path) -> None:
    paused = run_pidgin(
        "chat", "-q", "-t", "5", "-p", PROMPT, "--stop-on", ".", "--stop-action", "pause",
        cwd=tmp_path,
    )  # fmt: skip
    assert paused.returncode == 0, paused.stderr
    conversation_id = recorded_events(tmp_path)[0].originator_id
    resumed = run_pidgin(
        "chat", "--resume", str(conversation_id), "-q", "--max-total-tokens", "1", cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr
    events = [e.event for e in recorded_events(tmp_path)]
    (budget,) = [e for e in events if isinstance(e, Conversation.BudgetSet)]
    assert (budget.max_cost_usd, budget.max_total_tokens) == (None, 1)
    (reached,) = [e for e in events if isinstance(e, Conversation.BudgetReached)]
    assert reached.spent > 0  # the first message, spent before the budget was set
    assert events[-1].reason == "budget"
    assert len([e for e in events if isinstance(e, Conversation.MessageCompleted)]) == 1
