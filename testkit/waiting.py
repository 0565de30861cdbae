"""One way for a test to wait: until a condition holds, or fail saying what."""

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], object],
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
):
    """Call ``condition`` until it returns something true, and return that;
    after ``timeout`` seconds, fail with ``what`` in the message."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met within {timeout:g} s")
        time.sleep(interval)
