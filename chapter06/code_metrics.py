"""Book: chapter 6, "Performance metrics" > "Code metrics": timing a function.

The book's ``timeit`` decorator logs how long a function took. ``timed``
does that, and also records the time in a Prometheus histogram (labelled
with the name it is given), so the figures add up across calls and
processes. It decorates a function, or times a block as a context manager::

    >>> @timed("totals")
    ... def totals(runs):
    ...     return sum(runs)
    >>> totals([5.0, 10.0])
    15.0
    >>> with timed("import"):
    ...     pass
    >>> from prometheus_client import REGISTRY
    >>> labels = {"name": "totals", "outcome": "ok"}
    >>> REGISTRY.get_sample_value("function_duration_seconds_count", labels) >= 1
    True

A failing call is timed too (and counted as failed); the exception goes on.
"""

import logging
import time
from contextlib import ContextDecorator

from prometheus_client import Histogram

logger = logging.getLogger(__name__)

FUNCTION_DURATION = Histogram(
    "function_duration_seconds",
    "Time spent in a timed function or block, by name and outcome.",
    ["name", "outcome"],
)


class timed(ContextDecorator):
    """Time a function (``@timed("name")``) or a block (``with timed("name")``)."""

    def __init__(self, name: str):
        self.name = name
        self.started = 0.0

    def _recreate_cm(self) -> "timed":
        # A fresh timer for each call of a decorated function: calls from
        # several threads, or recursive ones, do not share a start time.
        return timed(self.name)

    def __enter__(self) -> "timed":
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        duration = time.perf_counter() - self.started
        outcome = "ok" if kind is None else "error"
        FUNCTION_DURATION.labels(self.name, outcome).observe(duration)
        logger.info(
            "%s took %.6f s (%s)",
            self.name,
            duration,
            outcome,
            # Extra fields: graypy sends them as GELF's _name, _duration...
            extra={"timed": self.name, "duration": duration, "outcome": outcome},
        )
