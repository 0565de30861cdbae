"""Code metrics: ``timed`` as a decorator and as a context manager."""

import logging

import pytest
from prometheus_client import REGISTRY

from chapter06.code_metrics import timed


def count(name: str, outcome: str = "ok") -> float:
    labels = {"name": name, "outcome": outcome}
    return REGISTRY.get_sample_value("function_duration_seconds_count", labels) or 0


def total(name: str, outcome: str = "ok") -> float:
    labels = {"name": name, "outcome": outcome}
    return REGISTRY.get_sample_value("function_duration_seconds_sum", labels) or 0


def test_decorator_times_each_call_and_keeps_the_result():
    @timed("test-decorated")
    def double(number):
        return number * 2

    before, seconds = count("test-decorated"), total("test-decorated")
    assert double(21) == 42
    assert double(1) == 2
    assert count("test-decorated") == before + 2
    assert total("test-decorated") > seconds
    assert double.__name__ == "double"


def test_context_manager_times_a_block():
    before = count("test-block")
    with timed("test-block"):
        sum(range(1000))
    assert count("test-block") == before + 1


def test_a_failure_is_timed_apart_and_the_exception_goes_on():
    @timed("test-failing")
    def fail():
        raise ValueError("bad run")

    ok, failed = count("test-failing"), count("test-failing", "error")
    with pytest.raises(ValueError, match="bad run"):
        fail()
    assert count("test-failing", "error") == failed + 1
    assert count("test-failing") == ok


def test_each_call_is_logged_with_its_duration(caplog):
    with caplog.at_level(logging.INFO, logger="chapter06.code_metrics"):
        with timed("test-logged"):
            pass
    (record,) = caplog.records
    assert record.getMessage().startswith("test-logged took ")
    # As extra fields, which a GELF handler sends as _timed, _duration...
    assert record.timed == "test-logged"
    assert record.outcome == "ok"
    assert record.duration >= 0
