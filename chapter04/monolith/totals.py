"""Monthly totals of a runner's runs (book: chapter 4, "User stories").

A pure function: no database, no Flask, so it is tested with plain objects.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class RunLike(Protocol):
    start_date: object  # a date or datetime
    distance: float  # metres
    moving_time: int  # seconds


@dataclass(frozen=True)
class MonthTotal:
    month: str  # "2026-10"
    km: float
    count: int
    seconds: int

    @property
    def time(self) -> str:
        """``h:mm:ss``, as runners read it."""
        minutes, seconds = divmod(self.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"


def monthly_totals(runs: Iterable[RunLike]) -> list[MonthTotal]:
    """Distance (km), number of runs and moving time per month, newest first."""
    months: dict[str, list[float]] = {}
    for run in runs:
        total = months.setdefault(run.start_date.strftime("%Y-%m"), [0.0, 0, 0])
        total[0] += run.distance
        total[1] += 1
        total[2] += run.moving_time
    return [
        MonthTotal(month, round(metres / 1000, 2), int(count), int(seconds))
        for month, (metres, count, seconds) in sorted(months.items(), reverse=True)
    ]


def pace(speed: float | None) -> str:
    """A speed in m/s as a runner's pace, ``m:ss`` per km (``""`` when unknown)."""
    if not speed:
        return ""
    minutes, seconds = divmod(round(1000 / speed), 60)
    return f"{minutes}:{seconds:02d}"
