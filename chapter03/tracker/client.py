"""A client of the outside bug tracker (book: chapter 3, "Unit tests").

Every call has a timeout: without one, a tracker that stops answering
would hold a worker of this service forever. Whatever goes wrong on the
way (no connection, no answer in time, a 5xx, a body that is not the JSON
expected) comes out as a :class:`TrackerError`, so the views handle one
exception, and the service answers 502 or 504 instead of a 500.
"""

import requests


class TrackerError(Exception):
    """The tracker gave no usable answer: the service answers 502."""

    status = 502


class TrackerTimeout(TrackerError):
    """The tracker did not answer in time: the service answers 504."""

    status = 504


class TrackerClient:
    """Talks to a Bugzilla-like REST API at ``base_url``.

    :param base_url: the tracker's root, such as ``http://127.0.0.1:5001``
    :param timeout: seconds to wait to connect, then again for the answer
    :param session: a :class:`requests.Session` to reuse connections
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 2.0,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def get_bug(self, bug_id: int) -> dict | None:
        """The tracker's record of one bug, or ``None`` if it has none."""
        data = self._call("GET", f"/rest/bug/{bug_id}", missing_ok=True)
        if data is None:
            return None
        bugs = _bugs_in(data)
        if len(bugs) != 1:
            raise TrackerError(f"expected one bug, got {len(bugs)}")
        return bugs[0]

    def search(self, statuses: tuple[str, ...]) -> list[dict]:
        """The records of the bugs in any of ``statuses``."""
        data = self._call("GET", "/rest/bug", params={"status": list(statuses)})
        return _bugs_in(data)

    def create_bug(self, fields: dict) -> int:
        """File a bug and return the id the tracker gave it."""
        data = self._call("POST", "/rest/bug", json=fields)
        bug_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(bug_id, int):
            raise TrackerError("the tracker's answer has no bug id")
        return bug_id

    def _call(self, method: str, path: str, missing_ok: bool = False, **options):
        url = self.base_url + path
        try:
            response = self.session.request(
                method, url, timeout=self.timeout, **options
            )
        except requests.Timeout as error:
            raise TrackerTimeout(
                f"{method} {url}: no answer within {self.timeout}s"
            ) from error
        except requests.RequestException as error:
            # Connection refused, DNS failure, reset: the tracker is not there.
            raise TrackerError(f"{method} {url}: {type(error).__name__}") from error
        if missing_ok and response.status_code == 404:
            return None
        if not response.ok:
            # A 5xx is the tracker's failure; a 4xx means it refused what we
            # sent, which validation should have stopped: ours, but a 502 too.
            raise TrackerError(
                f"{method} {url}: the tracker answered {response.status_code}"
            )
        try:
            return response.json()
        except ValueError as error:
            raise TrackerError(f"{method} {url}: the answer is not JSON") from error


def _bugs_in(data: object) -> list[dict]:
    bugs = data.get("bugs") if isinstance(data, dict) else None
    if not isinstance(bugs, list):
        raise TrackerError("the tracker's answer has no list of bugs")
    return bugs
