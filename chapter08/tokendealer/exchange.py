"""Book: chapter 8, "JavaScript authentication": the runner token, by token exchange.

The browser calls the data service itself, so it needs a token of its own:
short-lived, read-only, and good for one runner's data only. The dashboard,
which logged the runner in, asks TokenDealer for it with the RFC 8693 grant
(its own client credentials, and the runner's id as the subject), and hands
it to the browser. TokenDealer trusts the dashboard's word about who the
runner is, so only clients registered with ``"token_exchange": true`` may
ask; the token names the dashboard as the actor (``act``, RFC 8693 §4.1).

Errors are RFC 6749 §5.2's, as RFC 8693 §2.2.2 says: ``unauthorized_client``
for a client not allowed this grant, ``invalid_request`` for a missing or
malformed subject, ``invalid_scope`` for more than ``runs:read``.

    >>> runner_id("42"), runner_id("042"), runner_id("4 2"), runner_id("٤٢")
    (42, None, None, None)
"""

import re

from flask import current_app

from chapter07.tokendealer.clients import Client
from chapter07.tokendealer.views import OAuthError, granted_scope, token_answer

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
# RFC 8693 §3 lets a server define its own token types as URIs: the subject
# here is not a token but the id of a runner the dashboard has logged in.
RUNNER_ID = "urn:runnerly:token-type:runner-id"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
RUNNER_SCOPE = frozenset({"runs:read"})  # all a browser may ever hold

# A database id: ASCII digits, no sign, no leading zero, fits in a BIGINT.
_ID = re.compile(r"[1-9][0-9]{0,17}")


def runner_id(subject_token: str | None) -> int | None:
    """The runner's id in ``subject_token``, or None if it is not one."""
    if subject_token is None or not _ID.fullmatch(subject_token):
        return None
    return int(subject_token)


def may_exchange(client: Client) -> bool:
    entry = current_app.extensions["tokendealer"].clients.entries[client.client_id]
    return entry.get("token_exchange") is True


def token_exchange_grant(client: Client, form: dict[str, str]) -> dict:
    """RFC 8693 §2.2.1: a runner token for ``subject_token``, acted by ``client``."""
    if not may_exchange(client):
        raise OAuthError(
            "unauthorized_client", "This client may not use token exchange."
        )
    if form.get("subject_token_type") != RUNNER_ID:
        raise OAuthError("invalid_request", f"subject_token_type must be {RUNNER_ID}.")
    runner = runner_id(form.get("subject_token"))
    if runner is None:
        raise OAuthError("invalid_request", "subject_token must be a runner id.")
    if form.get("requested_token_type", ACCESS_TOKEN) != ACCESS_TOKEN:
        raise OAuthError("invalid_request", f"Only {ACCESS_TOKEN} is issued here.")
    if "actor_token" in form:
        # The actor is the authenticated client: nobody else may be named.
        raise OAuthError("invalid_request", "actor_token is not supported here.")
    scope = granted_scope(form.get("scope", "runs:read"), RUNNER_SCOPE & client.scope)
    lifetime = current_app.config["RUNNER_TOKEN_LIFETIME"]
    # Chapter 7's token (its audience the registration's, as for client
    # credentials), for the runner, acted for by the client.
    answer = token_answer(
        client,
        scope,
        lifetime,
        sub=f"runner:{runner}",
        runner_id=runner,
        act={"sub": client.client_id},
    )
    return {**answer, "issued_token_type": ACCESS_TOKEN}
