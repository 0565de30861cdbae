"""The worker's client of the data service (book: chapter 8, "Interacting with
Data Service").

Every call carries the worker's own token (chapter 07's ``TokenAuth``: the
client-credentials grant at TokenDealer, cached, renewed once on a 401).
Failures come in two kinds, because the worker acts differently on each:

- :class:`DataServiceUnavailable`: no answer, a timeout, a 5xx, or
  TokenDealer down. Worth retrying later: nothing was stored, or the import
  is idempotent.
- :class:`DataServiceError`: a 4xx. The request is wrong or refused;
  retrying the same request will not help.
"""

import requests

from chapter07.token_client import TokenAuth


class DataServiceUnavailable(Exception):
    """The data service (or TokenDealer) did not answer properly: try later."""


class DataServiceError(Exception):
    """The data service refused the request (4xx)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"The data service answered {status}: {message}")
        self.status = status


class DataService:
    def __init__(self, base_url: str, auth: TokenAuth, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = auth

    def close(self) -> None:
        self.session.close()

    def connected_users(self) -> list[int]:
        users = self._call("GET", "/users", params={"strava_connected": "true"})
        return [user["id"] for user in users]

    def strava_token(self, user_id: int) -> dict:
        return self._call("GET", f"/users/{user_id}/strava-token")

    def store_strava_token(self, user_id: int, tokens: dict) -> None:
        self._call("PUT", f"/users/{user_id}/strava-token", json=tokens)

    def import_runs(self, user_id: int, runs: list[dict]) -> dict:
        """``{"created": n, "existing": m}``; the same runs twice add nothing."""
        return self._call("POST", f"/users/{user_id}/runs/import", json={"runs": runs})

    def run_count(self, user_id: int) -> int:
        """How many runs the data service holds for the runner (the sum of
        their month totals: one row a month, not one a run)."""
        months = self._call("GET", f"/users/{user_id}/months")
        return sum(month["runs"] for month in months)

    def sync(self, user_id: int) -> dict:
        """The runner's sync state: ``{"state", "imported", "message", ...}``."""
        return self._call("GET", f"/users/{user_id}/sync")

    def set_sync(
        self, user_id: int, state: str, imported: int = 0, message: str | None = None
    ) -> None:
        body = {"state": state, "imported": imported, "message": message}
        self._call("PUT", f"/users/{user_id}/sync", json=body)

    def stale_syncs(self, older_than: int) -> list[dict]:
        """The syncs that say "running" but were not updated for
        ``older_than`` seconds, by the data service's clock (not ours: the
        two machines' clocks may differ); each with its ``user_id``."""
        params = {"state": "running", "older_than": older_than}
        return self._call("GET", "/syncs", params=params)

    def _call(self, method: str, path: str, **options):
        response = self._send(method, path, **options)
        if response.status_code >= 500:
            raise DataServiceUnavailable(
                f"{method} {path}: {response.status_code} {response.text[:200]}"
            )
        body = json_or_none(response)
        if response.status_code >= 400:
            message = body.get("message") if isinstance(body, dict) else None
            raise DataServiceError(response.status_code, message or response.reason)
        return body

    def _send(self, method: str, path: str, **options) -> requests.Response:
        """The data service's response, whatever its status; no response, or
        no token from TokenDealer, raises one of the two failures."""
        try:
            return self.session.request(
                method, self.base_url + path, timeout=self.timeout, **options
            )
        except requests.HTTPError as error:
            # Raised by TokenAuth when TokenDealer refuses or fails.
            status = error.response.status_code if error.response is not None else 0
            if status >= 500 or status == 0:
                raise DataServiceUnavailable(f"TokenDealer failed: {error}") from error
            raise DataServiceError(status, f"TokenDealer refused: {error}") from error
        except requests.RequestException as error:  # refused, timeout, reset
            raise DataServiceUnavailable(f"{method} {path}: {error}") from error


def json_or_none(response: requests.Response):
    """The response's JSON body; None for an empty or non-JSON one."""
    try:
        return response.json()
    except ValueError:
        return None
