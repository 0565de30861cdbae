"""Athletes and their activities, generated from a seed.

The same seed gives the same athletes and the same activities (ids, names,
distances, times) on every run, so tests and demos can count on them. The
activities are spread over the ~six months before a reference day, which
follows the clock: runs mostly, as a runner's account has, with the odd ride,
walk or swim.
"""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

HALF_YEAR_DAYS = 182
FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# city, state, country, time zone, (lat, lng)
CITIES = [
    ("Paris", "Île-de-France", "France", "Europe/Paris", (48.8566, 2.3522)),
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "Europe/Paris", (45.764, 4.8357)),
    ("London", "England", "United Kingdom", "Europe/London", (51.5072, -0.1276)),
    ("Berlin", "Berlin", "Germany", "Europe/Berlin", (52.52, 13.405)),
    ("Boulder", "Colorado", "United States", "America/Denver", (40.015, -105.2705)),
    (
        "Portland",
        "Oregon",
        "United States",
        "America/Los_Angeles",
        (45.5152, -122.6784),
    ),
    ("Nairobi", "Nairobi County", "Kenya", "Africa/Nairobi", (-1.2921, 36.8219)),
    ("Melbourne", "Victoria", "Australia", "Australia/Melbourne", (-37.8136, 144.9631)),
]
FIRST_NAMES = {
    "F": ["Alice", "Chloé", "Emma", "Grete", "Joan", "Paula", "Sifan", "Yuki"],
    "M": ["Abebe", "Bruno", "Eliud", "Frank", "Kenji", "Mo", "Paul", "Tarek"],
}
LAST_NAMES = ["Bekele", "Durand", "Keitany", "Martin", "Okafor", "Schmidt", "Tanaka"]

# sport, weight: a runner's account, with some cross-training.
SPORTS = [("Run", 78), ("Ride", 10), ("Walk", 7), ("Swim", 5)]
RUN_NAMES = ["Tempo run", "Intervals", "Recovery jog", "Hill repeats", "Parkrun"]


def reference_time(now: float) -> datetime:
    """The day the history ends: midnight UTC of the clock's day.

    A whole day rather than the second, so that two fakes built the same day
    with the same seed hold the same activities.
    """
    day = datetime.fromtimestamp(now, UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def make_athletes(seed: int, count: int) -> list[dict]:
    rng = random.Random(f"{seed}:athletes")
    athletes = []
    for index in range(count):
        sex = rng.choice("MF")
        firstname = rng.choice(FIRST_NAMES[sex])
        lastname = rng.choice(LAST_NAMES)
        city, state, country, timezone, _ = rng.choice(CITIES)
        athlete_id = index + 1
        created = datetime(2015, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(8 * 365 * 86400)
        )
        athletes.append(
            {
                "id": athlete_id,
                "username": f"{firstname}{lastname}{athlete_id}".lower(),
                "resource_state": 2,
                "firstname": firstname,
                "lastname": lastname,
                "bio": "",
                "city": city,
                "state": state,
                "country": country,
                "sex": sex,
                "premium": False,
                "summit": False,
                "created_at": created.strftime(FORMAT),
                "updated_at": created.strftime(FORMAT),
                "badge_type_id": 0,
                "weight": round(rng.uniform(50, 85), 1),
                "profile_medium": "avatar/athlete/medium.png",
                "profile": "avatar/athlete/large.png",
                "friend": None,
                "follower": None,
            }
        )
    return athletes


def city_of(athlete: dict) -> tuple:
    return next(city for city in CITIES if city[0] == athlete["city"])


def make_history(
    seed: int, athlete: dict, count: int, reference: datetime
) -> list[dict]:
    """``count`` activities of one athlete, oldest first, without ids."""
    rng = random.Random(f"{seed}:activities:{athlete['id']}")
    # Each athlete has a usual running pace, in minutes per kilometre.
    usual_pace = rng.uniform(4.4, 6.3)
    activities = []
    for _ in range(count):
        sport = rng.choices([s for s, _ in SPORTS], [w for _, w in SPORTS])[0]
        start = _start_time(rng, athlete, reference)
        activities.append(make_activity(rng, athlete, sport, start, usual_pace))
    activities.sort(key=lambda activity: activity["start_date"])
    return activities


def _start_time(rng: random.Random, athlete: dict, reference: datetime) -> datetime:
    zone = ZoneInfo(city_of(athlete)[3])
    day = (reference - timedelta(days=rng.randint(1, HALF_YEAR_DAYS))).date()
    # People train early, at lunch or after work, local time.
    hour = rng.choice([6, 6, 7, 7, 8, 12, 12, 17, 18, 18, 19, 20])
    local = datetime(
        day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
        tzinfo=zone,
    )  # fmt: skip
    start = local.astimezone(UTC)
    while start >= reference:  # west of UTC, a local evening is tomorrow in UTC
        start -= timedelta(days=1)
    return start


def make_activity(
    rng: random.Random,
    athlete: dict,
    sport: str,
    start: datetime,
    usual_pace: float = 5.5,
) -> dict:
    """One SummaryActivity of ``athlete`` starting at ``start`` (UTC), no id."""
    km, pace, climb, heartrate_odds, heartrate = effort(rng, sport, usual_pace)
    distance = round(km * 1000, 1)
    moving_time = round(km * pace * 60)
    elapsed_time = moving_time + round(moving_time * rng.uniform(0, 0.08))
    average_speed = round(distance / moving_time, 3)
    zone = ZoneInfo(city_of(athlete)[3])
    local = start.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
    private = rng.random() < 0.05
    lat, lng = city_of(athlete)[4]
    start_latlng = [round(lat + rng.uniform(-0.05, 0.05), 6),
                    round(lng + rng.uniform(-0.05, 0.05), 6)]  # fmt: skip
    activity = {
        "resource_state": 2,
        "athlete": {"id": athlete["id"], "resource_state": 1},
        "name": activity_name(rng, sport, local.hour, km),
        "distance": distance,
        "moving_time": moving_time,
        "elapsed_time": elapsed_time,
        "total_elevation_gain": round(km * climb, 1),
        "type": sport,
        "sport_type": sport,
        "workout_type": 2 if sport == "Run" and km >= 20 else None,
        "start_date": start.strftime(FORMAT),
        # Strava's quirk: the local wall-clock time, also written with a "Z".
        "start_date_local": local.strftime(FORMAT),
        "timezone": f"(GMT{hours:+03d}:{minutes:02d}) {zone.key}",
        "utc_offset": offset.total_seconds(),
        "location_country": athlete["country"],
        "achievement_count": rng.randrange(4),
        "kudos_count": rng.randrange(15),
        "comment_count": rng.randrange(3),
        "athlete_count": 1,
        "photo_count": 0,
        "map": {"id": "", "summary_polyline": "", "resource_state": 2},
        "trainer": False,
        "commute": sport == "Ride" and rng.random() < 0.3,
        "manual": False,
        "private": private,
        "visibility": "only_me" if private else "everyone",
        "flagged": False,
        "gear_id": None,
        "start_latlng": start_latlng,
        "end_latlng": start_latlng,
        "average_speed": average_speed,
        "max_speed": round(average_speed * rng.uniform(1.15, 1.6), 3),
        "has_heartrate": False,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": False,
        "elev_high": round(rng.uniform(20, 400), 1),
        "elev_low": 0.0,
        "pr_count": 0,
        "total_photo_count": 0,
        "has_kudoed": False,
    }
    activity["elev_low"] = round(
        max(0.0, activity["elev_high"] - activity["total_elevation_gain"] / 4), 1
    )
    if rng.random() < heartrate_odds:
        # Strava leaves the heart-rate fields out when there is no monitor.
        average = round(rng.uniform(*heartrate), 1)
        activity.update(
            has_heartrate=True,
            average_heartrate=average,
            max_heartrate=float(round(average + rng.uniform(8, 25))),
        )
    return activity


def effort(rng: random.Random, sport: str, usual_pace: float) -> tuple:
    """How far (km) and how fast (min/km) it went, how hilly (m climbed a
    km), and the odds and range of a heart-rate monitor, by sport."""
    if sport == "Ride":
        km = rng.uniform(15, 90)
        pace = 60 / rng.uniform(22, 32)
        return km, pace, rng.uniform(3, 15), 0.7, (115, 155)
    if sport == "Walk":
        km = rng.uniform(2, 8)
        pace = rng.uniform(10, 13)
        return km, pace, rng.uniform(1, 10), 0.6, (85, 110)
    if sport == "Swim":
        km = rng.uniform(0.5, 3)
        pace = rng.uniform(16, 27)
        return km, pace, 0.0, 0.3, (120, 150)
    # A run, or a kind of run (TrailRun, VirtualRun...): mostly short ones.
    kind = rng.random()
    low, high = (3, 12) if kind < 0.7 else (12, 25) if kind < 0.95 else (25, 42.2)
    km = rng.uniform(low, high)
    pace = min(7.0, max(4.0, usual_pace + rng.uniform(-0.5, 0.5) + km / 100))
    return km, pace, rng.uniform(2, 18), 0.85, (135, 170)


def activity_name(rng: random.Random, sport: str, hour: int, km: float) -> str:
    """Strava's default name ("Morning Run"), or one the athlete typed."""
    if sport == "Run" and km >= 20 and rng.random() < 0.5:
        return "Long run"
    if sport == "Run" and rng.random() < 0.15:
        return rng.choice(RUN_NAMES)
    part = next(part for end, part in PARTS_OF_THE_DAY if hour < end)
    return f"{part} {sport}"


# Strava's names for the hours of the day: (until this hour, name).
PARTS_OF_THE_DAY = (
    (4, "Night"),
    (11, "Morning"),
    (14, "Lunch"),
    (17, "Afternoon"),
    (21, "Evening"),
    (24, "Night"),
)


def epoch(timestamp: str) -> int:
    """Seconds since the epoch of a ``2026-10-03T07:12:44Z`` date."""
    return int(datetime.strptime(timestamp, FORMAT).replace(tzinfo=UTC).timestamp())
