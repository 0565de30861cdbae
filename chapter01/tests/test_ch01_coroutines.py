"""Coroutines: send(), yield from, and async def driven by hand."""

import inspect

import pytest

from chapter01.coroutines import (
    average_pace,
    drive,
    fastest,
    pause,
    race_report,
    run_all,
    runner,
)


def test_a_coroutine_keeps_its_state_between_sends():
    pace = average_pace()

    assert next(pace) is None
    assert [pace.send(split) for split in (300, 330, 270)] == [300, 315, 300]


def test_a_coroutine_must_be_primed_first():
    with pytest.raises(TypeError, match="just-started generator"):
        average_pace().send(300)


def test_a_coroutine_returns_its_value_in_stop_iteration():
    best = fastest()
    next(best)
    best.send(310)
    best.send(295)

    with pytest.raises(StopIteration) as finished:
        best.send(None)

    assert finished.value.value == 295


def test_yield_from_passes_sends_through_and_gets_the_result():
    assert drive(race_report(), [310, 295, 300]) == "fastest km: 295 s"


def test_drive_says_when_a_coroutine_does_not_finish():
    def endless():
        while True:
            yield

    with pytest.raises(RuntimeError, match="did not finish"):
        drive(endless(), [300])


def test_async_def_makes_a_coroutine_that_send_drives():
    log = []
    coroutine = runner("ada", 1, log)
    assert inspect.iscoroutine(coroutine)
    assert log == []  # nothing ran yet

    coroutine.send(None)  # runs up to the pause
    assert log == ["ada km 1"]
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    assert finished.value.value == "ada done"


def test_pause_is_an_awaitable_generator():
    assert inspect.isawaitable(pause())


def test_the_toy_loop_interleaves_coroutines_and_keeps_result_order():
    log = []

    results = run_all(runner("bob", 3, log), runner("ada", 1, log))

    assert results == ["bob done", "ada done"]
    assert log == ["bob km 1", "ada km 1", "bob km 2", "bob km 3"]
    assert run_all() == []
