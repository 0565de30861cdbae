"""The generated athletes and activities: deterministic, realistic, growing."""

from datetime import UTC, datetime

import pytest

from fakestrava import create_app
from fakestrava.activities import activity_name, epoch, reference_time
from fakestrava.clock import ManualClock


def fake_of(**options):
    options.setdefault("clock", ManualClock())
    return create_app(**options).extensions["fakestrava"]


def everything(fake):
    return {i: fake.activities(i) for i in fake.athlete_ids()}


def test_same_seed_same_data():
    first, second = fake_of(seed=7), fake_of(seed=7)
    assert everything(first) == everything(second)
    assert [first.athlete(i) for i in first.athlete_ids()] == [
        second.athlete(i) for i in second.athlete_ids()
    ]


def test_other_seed_other_data():
    assert everything(fake_of(seed=7)) != everything(fake_of(seed=8))


def test_same_day_same_data():
    # The history ends at midnight UTC: later the same day, nothing changes.
    morning = fake_of(clock=ManualClock("2026-11-25T01:00:00+00:00"))
    evening = fake_of(clock=ManualClock("2026-11-25T23:00:00+00:00"))
    assert everything(morning) == everything(evening)


def test_counts_and_ids(fake):
    assert fake.athlete_ids() == [1, 2, 3]
    ids = [a["id"] for history in everything(fake).values() for a in history]
    assert len(ids) == 3 * 60
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, int) for i in ids)


def test_sizes_follow_options():
    fake = fake_of(athletes=5, activities_per_athlete=4)
    assert len(fake.athlete_ids()) == 5
    assert all(len(fake.activities(i)) == 4 for i in fake.athlete_ids())


def test_newest_first_within_six_months(fake, clock):
    reference = reference_time(clock())
    for history in everything(fake).values():
        starts = [epoch(a["start_date"]) for a in history]
        assert starts == sorted(starts, reverse=True)
        assert starts[0] < reference.timestamp()
        assert starts[-1] >= reference.timestamp() - 183 * 86400


def activities_of_seed_3() -> list[dict]:
    return [a for h in everything(fake_of(seed=3)).values() for a in h]


def test_mostly_realistic_runs():
    activities = activities_of_seed_3()
    runs = [a for a in activities if a["type"] == "Run"]
    assert len(runs) > len(activities) / 2
    assert {a["type"] for a in activities} > {"Run"}
    for run in runs:
        assert 3000 <= run["distance"] <= 42200
        pace = run["moving_time"] / (run["distance"] / 1000) / 60
        assert 4 <= pace <= 7.01
        assert run["elapsed_time"] >= run["moving_time"]
        assert (run["total_elevation_gain"] >= 0, run["sport_type"]) == (True, "Run")


def test_heart_rate_only_where_a_monitor_was():
    activities = activities_of_seed_3()
    monitored = [a for a in activities if a["has_heartrate"]]
    assert 0 < len(monitored) < len(activities)
    for activity in monitored:
        assert activity["max_heartrate"] > activity["average_heartrate"] > 80
    for activity in activities:
        if not activity["has_heartrate"]:
            assert "average_heartrate" not in activity


def test_summary_activity_fields(fake):
    activity = fake.activities(1)[0]
    expected = {
        "id", "name", "type", "sport_type", "distance", "moving_time",
        "elapsed_time", "total_elevation_gain", "start_date", "start_date_local",
        "timezone", "average_speed", "max_speed", "has_heartrate", "athlete",
        "manual", "private",
    }  # fmt: skip
    assert expected <= activity.keys()
    assert activity["athlete"] == {"id": 1, "resource_state": 1}
    assert activity["start_date"].endswith("Z")
    assert datetime.strptime(activity["start_date"], "%Y-%m-%dT%H:%M:%SZ")
    assert activity["timezone"].startswith("(GMT")


def test_athlete_fields(fake):
    athlete = fake.athlete(2)
    assert athlete["id"] == 2
    assert athlete["sex"] in {"M", "F"}
    assert {"username", "firstname", "lastname", "city"} <= athlete.keys()
    assert fake.athlete(2, detailed=True)["resource_state"] == 3


def test_activities_are_copies(fake):
    fake.activities(1)[0]["name"] = "changed"
    assert fake.activities(1)[0]["name"] != "changed"


@pytest.mark.parametrize(
    "hour, name",
    [(2, "Night"), (7, "Morning"), (12, "Lunch"), (15, "Afternoon"), (18, "Evening"),
     (22, "Night")],
)  # fmt: skip
def test_default_names(hour, name):
    class NoCustomName:
        def random(self):
            return 0.99

    assert activity_name(NoCustomName(), "Walk", hour, 5) == f"{name} Walk"


def test_add_activity_just_finished(fake, clock):
    added = fake.add_activity(1)
    assert fake.activities(1)[0] == added
    assert added["type"] == "Run"
    assert epoch(added["start_date"]) + added["elapsed_time"] == int(clock())
    assert added["id"] > max(a["id"] for a in fake.activities(2))


def test_add_activity_with_fields(fake):
    added = fake.add_activity(
        2, name="Marathon", distance=42195.0, moving_time=3 * 3600, type="Run"
    )
    assert added["name"] == "Marathon"
    assert added["average_speed"] == round(42195 / 10800, 3)
    assert fake.activities(2)[0]["id"] == added["id"]


@pytest.mark.parametrize(
    "start",
    [
        "2026-09-01T06:00:00Z",
        datetime(2026, 9, 1, 6, tzinfo=UTC),
        datetime(2026, 9, 1, 6, tzinfo=UTC).timestamp(),
    ],
)
def test_add_activity_in_the_past(fake, start):
    added = fake.add_activity(1, start_date=start, sport_type="TrailRun")
    assert added["start_date"] == "2026-09-01T06:00:00Z"
    assert added["sport_type"] == "TrailRun"
    history = fake.activities(1)
    assert history.index(added) > 0
    starts = [a["start_date"] for a in history]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.parametrize("sport", ["Ride", "Walk", "Swim"])
def test_add_other_sports(fake, sport):
    added = fake.add_activity(3, type=sport)
    assert added["type"] == added["sport_type"] == sport
    assert added["distance"] > 0


def test_manual_clock_from_epoch():
    clock = ManualClock(86400)
    assert clock() == 86400.0
    assert clock.advance(60) == clock() == 86460.0
