"""A clock that moves only when told, for tests of expiry and rate windows.

``create_app(clock=ManualClock(...))``: tokens expire and rate-limit windows
roll over when the test calls ``advance()``, not after a real wait.
"""

from datetime import datetime


class ManualClock:
    def __init__(self, start: float | str = "2026-11-25T12:00:00+00:00"):
        if isinstance(start, str):
            start = datetime.fromisoformat(start).timestamp()
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now
