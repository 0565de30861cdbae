"""Book: chapter 7, "Using TokenDealer": a client that brings its token.

``TokenAuth`` is a ``requests`` auth: it asks TokenDealer for a token
(client credentials, HTTP Basic), keeps it until shortly before it expires,
and when a service answers 401 anyway (a key rotated, a token revoked) gets
a new one and sends the request again, once::

    session = requests.Session()
    session.auth = TokenAuth(dealer_url, "dashboard", secret)
    session.get(data_url + "/users")

``python -m chapter07.token_client DEALER_URL CLIENT_ID URL`` (the secret in
``CLIENT_SECRET``) gets ``URL`` twice with one token and prints the answer.
"""

import os
import sys
import time

import requests
from requests.auth import AuthBase


class TokenAuth(AuthBase):
    def __init__(
        self,
        dealer_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        margin: float = 30.0,
        clock=time.monotonic,
    ):
        self.token_url = dealer_url.rstrip("/") + "/oauth/token"
        self.credentials = (client_id, client_secret)
        self.scope = scope
        self.margin = margin  # renew this long before the token expires
        self.clock = clock
        self.token: str | None = None
        self.expires_at = 0.0
        self.fetched = 0  # tokens asked for: what the tests count

    def current_token(self) -> str:
        if self.token is None or self.clock() >= self.expires_at - self.margin:
            self.renew()
        return self.token

    def renew(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        started = self.clock()
        response = requests.post(
            self.token_url, data=form, auth=self.credentials, timeout=10
        )
        response.raise_for_status()
        body = response.json()
        self.token = body["access_token"]
        self.expires_at = started + body["expires_in"]
        self.fetched += 1

    def __call__(self, request: requests.PreparedRequest):
        request.headers["Authorization"] = f"Bearer {self.current_token()}"
        request.register_hook("response", self.retry_once_on_401)
        return request

    def retry_once_on_401(self, response: requests.Response, **kwargs):
        if response.status_code != 401 or getattr(response.request, "retried", False):
            return response
        _ = response.content  # read it, so the connection can be reused
        response.close()
        self.renew()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {self.token}"
        retry.retried = True
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again


def main() -> None:
    dealer_url, client_id, url = sys.argv[1:4]
    session = requests.Session()
    session.auth = TokenAuth(dealer_url, client_id, os.environ["CLIENT_SECRET"])
    for _ in range(2):
        response = session.get(url, timeout=10)
        print(response.status_code, response.text.strip())
    print(f"tokens fetched: {session.auth.fetched}")


if __name__ == "__main__":
    main()
