"""A small client of the Strava API v3 (book: chapter 4, "Strava token").

Only what Runnerly needs: the OAuth code exchange, the token refresh, and the
list of the athlete's activities, page by page. Errors the caller must act on
are typed: :class:`StravaUnauthorized` (refresh the token) and
:class:`StravaRateLimited` (come back later: :func:`retry_countdown` reads
when from the headers).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests

# Refresh a token that expires within a minute: it could expire mid-import.
EXPIRY_MARGIN = 60


class StravaError(Exception):
    """Strava answered with an error status."""

    def __init__(self, status: int, payload: object = None):
        super().__init__(f"Strava answered {status}: {payload}")
        self.status = status
        self.payload = payload


class StravaUnauthorized(StravaError):
    """401: the access token is missing, invalid, expired or revoked."""


class StravaRateLimited(StravaError):
    """429: the 15-minute or the daily request budget is spent."""

    def __init__(self, status, payload=None, limit=None, usage=None):
        super().__init__(status, payload)
        self.limit = limit  # (15-minute, daily) or None
        self.usage = usage

    @property
    def daily_exhausted(self) -> bool:
        return bool(self.limit and self.usage and self.usage[1] >= self.limit[1])


def parse_rate_limit(value: str | None) -> tuple[int, int] | None:
    """``"100,1000"`` -> ``(100, 1000)``; None when absent or malformed."""
    try:
        short, daily = (int(part) for part in value.split(","))
    except (AttributeError, ValueError):
        return None
    return short, daily


def retry_countdown(error: StravaRateLimited, retries: int, now: float) -> int:
    """Seconds to wait before asking Strava again.

    Strava's budgets reset at midnight UTC (daily) and on the quarter-hour
    (15-minute); waiting less is pointless. Without the headers: exponential
    backoff, 1, 2, 4... minutes, at most 15.
    """
    moment = datetime.fromtimestamp(now, UTC)
    if error.daily_exhausted:
        midnight = (moment + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return int((midnight - moment).total_seconds()) + 1
    if error.limit and error.usage:
        return 15 * 60 - (moment.minute % 15) * 60 - moment.second
    return min(60 * 2**retries, 15 * 60)


def parse_date(value: str) -> datetime:
    """Strava's ``2026-10-03T07:12:44Z`` as a naive UTC datetime (as stored)."""
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def epoch(value: datetime) -> int:
    """A naive UTC datetime as epoch seconds, for the ``after`` parameter."""
    return int(value.replace(tzinfo=UTC).timestamp())


class StravaClient:
    """Talk to Strava (or anything with its API) at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.client_id = str(client_id)
        self.client_secret = client_secret
        self.timeout = timeout
        # One session: its connection pool is reused from request to request.
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "StravaClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def authorize_url(self, redirect_uri: str, state: str, scope: str) -> str:
        """Where to send the user's browser to ask for access."""
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "state": state,
                "approval_prompt": "auto",
            }
        )
        return f"{self.base_url}/oauth/authorize?{query}"

    def exchange_code(self, code: str) -> dict:
        """The code of the OAuth redirect -> tokens and the athlete."""
        return self._token(grant_type="authorization_code", code=code)

    def refresh(self, refresh_token: str) -> dict:
        """New tokens; Strava may also hand out a new refresh token."""
        return self._token(grant_type="refresh_token", refresh_token=refresh_token)

    def _token(self, **fields: str) -> dict:
        data = {"client_id": self.client_id, "client_secret": self.client_secret}
        response = self.session.post(
            f"{self.base_url}/oauth/token",
            data={**data, **fields},
            timeout=self.timeout,
        )
        return self._json(response)

    def activities(
        self, access_token: str, after: int | None = None, per_page: int = 100
    ) -> Iterator[dict]:
        """Every activity (``after`` an epoch, when given), page after page."""
        page = 1
        while True:
            params = {"page": page, "per_page": per_page}
            if after is not None:
                params["after"] = after
            response = self.session.get(
                f"{self.base_url}/api/v3/athlete/activities",
                params=params,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=self.timeout,
            )
            batch = self._json(response)
            yield from batch
            # A short page is the last one: no need to ask for an empty one.
            if len(batch) < per_page:
                return
            page += 1

    def _json(self, response: requests.Response):
        try:
            payload = response.json()
        except ValueError:
            payload = response.text
        if response.status_code == 401:
            raise StravaUnauthorized(401, payload)
        if response.status_code == 429:
            raise StravaRateLimited(
                429,
                payload,
                limit=parse_rate_limit(response.headers.get("X-RateLimit-Limit")),
                usage=parse_rate_limit(response.headers.get("X-RateLimit-Usage")),
            )
        if response.status_code >= 400:
            raise StravaError(response.status_code, payload)
        return payload


def client_from_config(config) -> StravaClient:
    """A client set up from a Flask config (``STRAVA_*`` settings)."""
    return StravaClient(
        config["STRAVA_BASE_URL"],
        config["STRAVA_CLIENT_ID"],
        config["STRAVA_CLIENT_SECRET"],
    )
