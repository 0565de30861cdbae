"""The asyncio library: gather, timeouts, and keeping blocking calls off the loop."""

import asyncio

from chapter01.event_loop import (
    blocking_wait,
    fetch_all,
    fetch_runs,
    heartbeats_during,
    threaded_wait,
    with_deadline,
)


def test_gather_waits_for_all_calls_at_once():
    log = []

    answers = asyncio.run(fetch_all(["ada", "bob", "cyd"], 0.01, log))

    assert [answer["athlete"] for answer in answers] == ["ada", "bob", "cyd"]
    # Every call was made before any answer came: they overlapped.
    assert log[:3] == ["ask ada", "ask bob", "ask cyd"]
    assert sorted(log[3:]) == ["got ada", "got bob", "got cyd"]


def test_a_call_within_its_deadline_gives_its_answer():
    answer = asyncio.run(with_deadline(fetch_runs("ada", 0, []), 5, None))

    assert answer == {"athlete": "ada", "runs": 3}


def test_a_call_past_its_deadline_is_cancelled():
    log = []

    answer = asyncio.run(with_deadline(fetch_runs("ada", 60, log), 0.01, "late"))

    assert answer == "late"
    assert log == ["ask ada"]  # never got its answer: cancelled while waiting


def test_a_blocking_call_freezes_the_loop():
    assert asyncio.run(heartbeats_during(blocking_wait(0.1))) == 0


def test_a_blocking_call_in_a_thread_does_not():
    assert asyncio.run(heartbeats_during(threaded_wait(0.3))) > 0
