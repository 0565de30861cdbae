"""Strava's rate limits: a 15-minute and a daily request budget per app.

Usage counts every request to ``/api/v3``; the short counter starts again at
each quarter-hour (:00, :15, :30, :45) and the daily one at midnight UTC, by
the injected clock, as Strava's do. Usage keeps counting past the limit: a
client that ignores 429s only makes its wait longer.
"""

import threading
from collections.abc import Callable

WINDOW = 15 * 60
DAY = 24 * 60 * 60


class RateLimiter:
    def __init__(self, limits: tuple[int, int], clock: Callable[[], float]):
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._short = self._daily = 0
        self._window = self._day = None

    def _roll(self) -> None:
        now = self.clock()
        window, day = int(now // WINDOW), int(now // DAY)
        if window != self._window:
            self._window, self._short = window, 0
        if day != self._day:
            self._day, self._daily = day, 0

    @property
    def usage(self) -> tuple[int, int]:
        with self._lock:
            self._roll()
            return self._short, self._daily

    def hit(self) -> tuple[bool, dict[str, str]]:
        """Count one request: (allowed, the headers that go with its answer)."""
        with self._lock:
            self._roll()
            self._short += 1
            self._daily += 1
            short_limit, daily_limit = self.limits
            allowed = self._short <= short_limit and self._daily <= daily_limit
            return allowed, self._headers()

    def _headers(self) -> dict[str, str]:
        limit = "{},{}".format(*self.limits)
        usage = f"{self._short},{self._daily}"
        return {
            "X-RateLimit-Limit": limit,
            "X-RateLimit-Usage": usage,
            # Strava's newer headers; every endpoint here is a read.
            "X-ReadRateLimit-Limit": limit,
            "X-ReadRateLimit-Usage": usage,
        }

    def reset(self) -> None:
        with self._lock:
            self._short = self._daily = 0
