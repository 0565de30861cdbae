"""Book: chapter 7, "The TokenDealer microservice": a bound on failed logins.

Checking a client's secret costs a scrypt hash: 16 MiB of memory and tens of
milliseconds, by design, so that a stolen hash is slow to crack. The same
cost is a weapon against the server: a flood of wrong secrets makes it
compute one hash per request. Two bounds keep that cost in hand:

- per client address, at most ``limit`` failed attempts in ``window``
  seconds; past them, refused with 429 *before* any hash is computed (an
  address, not a client id: locking an id out after failures would let
  anyone lock the real client out);
- per process, at most ``HASH_CHECKS`` hashes at once (:mod:`.clients`):
  a flood from many addresses waits in line instead of taking memory.

Only failures count: a client that knows its secret is never slowed down,
however many tokens it asks for at once. A burst of wrong secrets sent all at
once passes the gate before any has failed; HASH_CHECKS bounds what it costs.

    >>> attempts = FailedAttempts(limit=2, window=60)
    >>> attempts.failed("10.0.0.1", now=0); attempts.failed("10.0.0.1", now=1)
    >>> attempts.retry_after("10.0.0.1", now=2)  # wait for the first to expire
    58
    >>> attempts.retry_after("10.0.0.1", now=61) is None
    True
    >>> attempts.retry_after("10.0.0.2", now=2) is None  # another address
    True
    >>> attempts.succeeded("10.0.0.1")  # a right secret: its count is forgotten
    >>> attempts.retry_after("10.0.0.1", now=2) is None
    True
"""

import math
import threading
import time
from collections import deque


class FailedAttempts:
    """Failed client authentications per address, in a sliding window.

    At most ``addresses`` are remembered: past that, the longest unseen ones
    are forgotten, so a flood of addresses cannot fill the memory either.
    """

    def __init__(self, limit: int = 10, window: float = 60.0, addresses=10_000):
        self.limit = limit
        self.window = window
        self.addresses = addresses
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # requests run in threads

    def retry_after(self, address: str, now: float | None = None) -> int | None:
        """Seconds until ``address`` may try again, or None if it may now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.limit:
                return None
            return max(math.ceil(failures[0] + self.window - now), 1)

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(address, now)
            failures.append(now)
            # Last seen, last forgotten: moved to the end of the dict.
            self._failures[address] = self._failures.pop(address, failures)
            while len(self._failures) > self.addresses:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.get(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
