"""Book: chapter 8, "Interacting with Data Service": the dashboard's clients.

Two services, two kinds of token, both from TokenDealer:

- the dashboard's own token (client credentials, chapter 07's ``TokenAuth``)
  for what only a service may do: upsert the runner who logged in with
  Strava, with the Strava tokens, and mark a sync as queued;
- a runner token for the browser (the book's "JavaScript authentication"):
  TokenDealer's token exchange (RFC 8693) turns "runner 7, vouched for by
  the dashboard" into a short-lived JWT that can only read runner 7's data.

A service that does not answer is a 503 with a sentence saying which one,
and one that refuses is a 502 with its reason: never a 500.

    >>> services = Services({"DATA_SERVICE_URL": "http://127.0.0.1:1/",
    ...     "TOKEN_ISSUER": "http://127.0.0.1:1", "CLIENT_ID": "runnerly-dashboard",
    ...     "CLIENT_SECRET": "s3cret", "SERVICE_TIMEOUT": 1.0})
    >>> services.data_url
    'http://127.0.0.1:1'
    >>> try:
    ...     services.runner_token(7)
    ... except ServiceUnavailable as error:
    ...     print(error.code, error.description)
    503 The token service is not answering: try again in a moment.
"""

import requests
from werkzeug.exceptions import BadGateway, ServiceUnavailable

from chapter07.token_client import TokenAuth

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
RUNNER_ID_TYPE = "urn:runnerly:token-type:runner-id"
RUNNER_SCOPE = "runs:read"


def _reason(response: requests.Response) -> str:
    """A service's own words for a refusal: JSON errors carry a message."""
    try:
        body = response.json()
    except ValueError:
        return f"status {response.status_code}"
    if isinstance(body, dict):
        text = body.get("message") or body.get("error_description")
        if text:
            return f"{response.status_code}: {text}"
    return f"status {response.status_code}"


class Services:
    """The TokenDealer and the data service, as the dashboard's server sees them."""

    def __init__(self, config):
        self.data_url = config["DATA_SERVICE_URL"].rstrip("/")
        self.dealer_url = config["TOKEN_ISSUER"].rstrip("/")
        # from_prefixed_env parses values as JSON: a numeric secret is an int.
        self.credentials = (str(config["CLIENT_ID"]), str(config["CLIENT_SECRET"]))
        self.timeout = config["SERVICE_TIMEOUT"]
        # One token for the whole process, renewed before it expires.
        self.auth = TokenAuth(self.dealer_url, *self.credentials)
        self.session = requests.Session()

    def data(self, method: str, path: str, **options):
        """Call the data service with the dashboard's token; its JSON answer."""
        try:
            self.auth.current_token()
        except requests.RequestException:
            raise ServiceUnavailable(
                "The token service is not answering: try again in a moment."
            ) from None
        return answer_of(
            "data service",
            lambda: self.session.request(
                method,
                self.data_url + path,
                auth=self.auth,
                timeout=self.timeout,
                **options,
            ),
        )

    def upsert_strava_runner(self, tokens: dict) -> dict:
        """The runner behind a Strava login, created or updated: the user JSON."""
        athlete = tokens["athlete"]
        return self.data(
            "PUT",
            f"/users/strava/{int(athlete['id'])}",
            json={
                "firstname": athlete.get("firstname") or "",
                "lastname": athlete.get("lastname") or "",
                "strava_access_token": tokens["access_token"],
                "strava_refresh_token": tokens["refresh_token"],
                "strava_expires_at": int(tokens["expires_at"]),
            },
        )

    def set_sync_state(self, user_id: int, state: str, message: str | None = None):
        body = {"state": state, "imported": 0, "message": message}
        return self.data("PUT", f"/users/{user_id}/sync", json=body)

    def runner_token(self, user_id: int) -> dict:
        """Token exchange at TokenDealer: a token that reads this runner's data."""
        form = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": str(user_id),
            "subject_token_type": RUNNER_ID_TYPE,
            "scope": RUNNER_SCOPE,
        }
        return answer_of(
            "token service",
            lambda: self.session.post(
                self.dealer_url + "/oauth/token",
                data=form,
                auth=self.credentials,
                timeout=self.timeout,
            ),
        )


def answer_of(service: str, send) -> dict:
    """The JSON answer of ``send()``: a service down or failing is a 503 for
    the page (try again), one that refuses is a 502 (our request was wrong)."""
    try:
        response = send()
    except requests.RequestException:
        raise ServiceUnavailable(
            f"The {service} is not answering: try again in a moment."
        ) from None
    if response.status_code >= 500:
        raise ServiceUnavailable(
            f"The {service} failed ({_reason(response)}): try again later."
        )
    if response.status_code >= 400:
        raise BadGateway(f"The {service} refused ({_reason(response)}).")
    return response.json()
