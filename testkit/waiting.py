"""One way for a test to wait: until a condition holds, or fail saying what."""

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], object],
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str | Callable[[], object] = "condition",
):
    """Call ``condition`` until it returns something true, and return that;
    after ``timeout`` seconds, fail with ``what`` in the message.

    ``what`` may be a callable, called only on failure: a server's output or
    a log read when the wait has failed, not on every round.  A condition
    that waits by itself (a broker's ``process_data_events``) takes
    ``interval=0``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"{said}: not met within {timeout:g} s")
        if interval:
            time.sleep(interval)
