"""The fake's memory: athletes, activities, codes, tokens and usage.

Everything lives in one ``FakeStrava`` object, stored in
``app.extensions["fakestrava"]``, that tests drive directly: authorize an
athlete without a browser, expire every token, add a run, change the limits.
"""

import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .activities import (
    epoch,
    make_activity,
    make_athletes,
    make_history,
    reference_time,
)
from .errors import bad_request, unauthorized
from .ratelimit import RateLimiter

SCOPES = (
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
)


@dataclass
class Grant:
    """What an athlete allowed: a code, then tokens, carry one of these."""

    athlete_id: int
    scope: str


@dataclass
class Token:
    access_token: str
    refresh_token: str
    grant: Grant
    expires_at: int


def normalize_scope(scope: str) -> str:
    """Check a comma-separated scope; "read" is always part of what is granted."""
    wanted = [part.strip() for part in scope.split(",") if part.strip()]
    if not wanted or any(part not in SCOPES for part in wanted):
        raise bad_request("Authorize", "scope")
    return ",".join(dict.fromkeys(["read", *wanted]))


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to the query string it may already have."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    # Commas and colons stay as Strava writes them: scope=read,activity:read_all
    return urlunsplit(parts._replace(query=urlencode(query, safe=",:")))


class FakeStrava:
    def __init__(
        self,
        seed: int = 42,
        client_id: str = "1234",
        client_secret: str = "fake-secret",
        athletes: int = 3,
        activities_per_athlete: int = 60,
        token_lifetime: int = 21600,
        rate_limit: tuple[int, int] = (100, 1000),
        clock: Callable[[], float] = time.time,
        app_name: str = "Runnerly",
    ):
        self.seed = seed
        self.client_id = str(client_id)
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.app_name = app_name
        self.reference = reference_time(clock())
        self._lock = threading.RLock()
        self._limiter = RateLimiter(tuple(rate_limit), clock)
        self._athletes = {a["id"]: a for a in make_athletes(seed, athletes)}
        histories = {
            athlete_id: make_history(
                seed, athlete, activities_per_athlete, self.reference
            )
            for athlete_id, athlete in self._athletes.items()
        }
        # Ids grow with the start time across athletes, as Strava's do.
        everything = sorted(
            (a for history in histories.values() for a in history),
            key=lambda activity: activity["start_date"],
        )
        ids = random.Random(f"{seed}:ids")
        self._next_id = 9_000_000_000 + ids.randrange(10**8)
        for activity in everything:
            activity["id"] = self._new_activity_id(ids.randint(1, 5000))
        self._activities = {
            athlete_id: history[::-1] for athlete_id, history in histories.items()
        }
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}

    # What exists ------------------------------------------------------------

    def athlete_ids(self) -> list[int]:
        return list(self._athletes)

    def athlete(self, athlete_id: int, detailed: bool = False) -> dict:
        """A SummaryAthlete (as in the token answer) or a DetailedAthlete."""
        athlete = dict(self._athletes[athlete_id])
        if detailed:
            athlete.update(
                resource_state=3,
                follower_count=0,
                friend_count=0,
                measurement_preference="meters",
                ftp=None,
                clubs=[],
                bikes=[],
                shoes=[],
            )
        return athlete

    def activities(self, athlete_id: int) -> list[dict]:
        """The athlete's activities, newest first, as the API returns them."""
        with self._lock:
            return [dict(activity) for activity in self._activities[athlete_id]]

    def find_activity(self, activity_id: int) -> dict | None:
        with self._lock:
            for history in self._activities.values():
                for activity in history:
                    if activity["id"] == activity_id:
                        return dict(activity)
        return None

    def add_activity(self, athlete_id: int, **fields) -> dict:
        """A new activity appears, a run just finished unless ``fields`` say.

        ``fields`` override the generated ones (``name``, ``distance``, ...);
        ``start_date`` may be an ISO date, a datetime or epoch seconds.
        """
        athlete = self._athletes[athlete_id]
        sport = fields.get("sport_type") or fields.get("type") or "Run"
        start = fields.pop("start_date", None)
        with self._lock:
            activity_id = self._new_activity_id(1)

            def generate(start: datetime) -> dict:
                rng = random.Random(f"{self.seed}:added:{activity_id}")
                return make_activity(rng, athlete, sport, start)

            activity = generate(self._now_datetime())
            if start is None:
                # It started as long ago as it lasted: it has just ended.
                lasted = fields.get("elapsed_time", activity["elapsed_time"])
                start = self.clock() - lasted
            activity = generate(_as_datetime(start))
            activity.update(fields, id=activity_id)
            if {"distance", "moving_time"} & fields.keys() and (
                "average_speed" not in fields
            ):
                activity["average_speed"] = round(
                    activity["distance"] / max(activity["moving_time"], 1), 3
                )
            history = self._activities[athlete_id]
            history.append(activity)
            history.sort(key=lambda a: (a["start_date"], a["id"]), reverse=True)
            return dict(activity)

    def _new_activity_id(self, step: int) -> int:
        self._next_id += step
        return self._next_id

    def _now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # OAuth ------------------------------------------------------------------

    def authorize(
        self,
        redirect_uri: str,
        scope: str = "read,activity:read_all",
        state: str = "",
        athlete_id: int | None = None,
    ) -> str:
        """The URL the athlete's browser goes to after clicking Authorize."""
        if athlete_id is None:
            athlete_id = self.athlete_ids()[0]
        if athlete_id not in self._athletes:
            raise bad_request("Athlete", "athlete_id")
        scope = normalize_scope(scope)
        code = secrets.token_hex(20)
        with self._lock:
            self._codes[code] = Grant(athlete_id, scope)
        return with_query(redirect_uri, state=state, code=code, scope=scope)

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id is None or str(client_id) != self.client_id:
            raise bad_request("Application", "client_id")
        if client_secret is None or not secrets.compare_digest(
            client_secret.encode(), self.client_secret.encode()
        ):
            raise bad_request("Application", "client_secret")

    def exchange_code(self, code: str | None) -> dict:
        """Trade a code for tokens; a code works once."""
        with self._lock:
            grant = self._codes.pop(code or "", None)
            if grant is None:
                raise bad_request("AuthorizationCode", "code")
            token = self._issue(grant, secrets.token_hex(20))
        answer = self._token_answer(token)
        answer["athlete"] = self.athlete(grant.athlete_id)
        return answer

    def refresh(self, refresh_token: str | None) -> dict:
        """A new access token; the one it replaces stops working at once."""
        with self._lock:
            old = self._refresh.get(refresh_token or "")
            if old is None:
                raise bad_request("RefreshToken", "refresh_token")
            self._access.pop(old.access_token, None)
            token = self._issue(old.grant, old.refresh_token)
        return self._token_answer(token)

    def _issue(self, grant: Grant, refresh_token: str) -> Token:
        expires_at = int(self.clock()) + self.token_lifetime
        token = Token(secrets.token_hex(20), refresh_token, grant, expires_at)
        self._access[token.access_token] = token
        self._refresh[refresh_token] = token
        return token

    def _token_answer(self, token: Token) -> dict:
        return {
            "token_type": "Bearer",
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expires_at": token.expires_at,
            "expires_in": max(0, token.expires_at - int(self.clock())),
        }

    def grant_of(self, access_token: str | None) -> Grant:
        """Who an access token speaks for; 401 when unknown or expired."""
        with self._lock:
            token = self._access.get(access_token or "")
            if token is None or self.clock() >= token.expires_at:
                raise unauthorized()
            return token.grant

    def deauthorize(self, access_token: str | None) -> None:
        """The athlete revokes the app: all its tokens for them stop working."""
        with self._lock:
            athlete_id = self.grant_of(access_token).athlete_id
            for tokens in (self._access, self._refresh):
                for key, token in list(tokens.items()):
                    if token.grant.athlete_id == athlete_id:
                        del tokens[key]

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired now (refresh still works)."""
        now = int(self.clock())
        with self._lock:
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)

    # Rate limits --------------------------------------------------------------

    @property
    def rate_limit(self) -> tuple[int, int]:
        return self._limiter.limits

    @rate_limit.setter
    def rate_limit(self, limits: tuple[int, int]) -> None:
        self._limiter.limits = tuple(limits)

    @property
    def usage(self) -> tuple[int, int]:
        """Requests counted in this 15-minute window and this UTC day."""
        return self._limiter.usage

    def reset_usage(self) -> None:
        self._limiter.reset()

    def count_request(self) -> tuple[bool, dict[str, str]]:
        return self._limiter.hit()


def _as_datetime(start) -> datetime:
    if isinstance(start, datetime):
        return start.astimezone(UTC)
    if isinstance(start, str):
        return datetime.fromtimestamp(epoch(start), UTC)
    return datetime.fromtimestamp(start, UTC)
