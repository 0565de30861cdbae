"""The dashboard's arithmetic, a pure function tested with plain objects."""

from datetime import datetime
from types import SimpleNamespace

from chapter04.monolith.totals import MonthTotal, monthly_totals, pace


def run(day: str, km: float, minutes: int):
    return SimpleNamespace(
        start_date=datetime.fromisoformat(day),
        distance=km * 1000,
        moving_time=minutes * 60,
    )


def test_monthly_totals_newest_first():
    runs = [
        run("2026-09-30T18:00", 10, 50),
        run("2026-10-01T07:00", 5.5, 30),
        run("2026-10-15T07:00", 21.1, 115),
    ]
    assert monthly_totals(runs) == [
        MonthTotal("2026-10", 26.6, 2, 145 * 60),
        MonthTotal("2026-09", 10.0, 1, 50 * 60),
    ]


def test_no_runs_no_totals():
    assert monthly_totals([]) == []


def test_time_reads_as_hours_minutes_seconds():
    assert MonthTotal("2026-10", 42.2, 1, 3 * 3600 + 5 * 60 + 7).time == "3:05:07"


def test_pace():
    assert pace(1000 / 300) == "5:00"  # 5 minutes per km
    assert pace(3.0) == "5:33"
    assert pace(None) == "" == pace(0)
