"""Book: chapter 6, "Centralizing logs" > "Adding extra fields": a request id.

One id per user request, so that its log records can be found together, in
this service and in the ones it calls: taken from the ``X-Request-ID`` header
when the caller (a proxy, another service) sent a sane one, made up
otherwise, returned in the response, and passed on with every call made
through the chapter 5 ``PeerSession``::

    >>> from flask import Flask
    >>> app = Flask(__name__)
    >>> RequestId(app)  # doctest: +ELLIPSIS
    <...RequestId object at ...>
    >>> app.test_client().get("/", headers={"X-Request-ID": "abc-123"}).headers[
    ...     "X-Request-ID"]
    'abc-123'
    >>> len(app.test_client().get("/", headers={"X-Request-ID": "a\\tb"}).headers[
    ...     "X-Request-ID"])  # not a sane id: a new one
    32
"""

import re
import secrets

import requests
from flask import Flask, Response, g, has_request_context, request

from chapter05.session_extension import PeerSession, TimeoutSession

HEADER = "X-Request-ID"
# The same header as the WSGI server hands it over: one dict lookup, where
# the request's headers view builds and compares names at each read.
ENVIRON_KEY = "HTTP_X_REQUEST_ID"
# What a caller may choose: short, and nothing that could forge a log line
# or a field (no spaces, quotes, newlines).
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    # As random as uuid4().hex, and as long, without making a UUID first.
    return secrets.token_hex(16)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    if not has_request_context():
        return None
    return g.get("request_id")


class RequestId:
    """The Flask extension: ``RequestId(app)`` or ``init_app`` later."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        # First of the before_request functions: the others may log.
        app.before_request_funcs.setdefault(None, []).insert(0, self.take)
        app.after_request(self.give)

    @staticmethod
    def take() -> None:
        incoming = request.environ.get(ENVIRON_KEY, "")
        g.request_id = incoming if SANE_ID.fullmatch(incoming) else new_request_id()

    @staticmethod
    def give(response: Response) -> Response:
        response.headers[HEADER] = g.request_id
        return response


class PassRequestId(requests.auth.AuthBase):
    """Adds the current request id to an outgoing call.

    requests applies a session's ``auth`` to every request it prepares: its
    documented hook for headers computed per call. (A call given its own
    ``auth=`` replaces it, and goes without the id.)
    """

    def __init__(self, then=None):
        self.then = then  # the session's auth before us, if any

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.then is not None:
            prepared = self.then(prepared)
        request_id = current_request_id()
        if request_id and HEADER not in prepared.headers:
            prepared.headers[HEADER] = request_id
        return prepared


class RequestIdPeerSession(PeerSession):
    """Chapter 5's ``PeerSession``, passing the request id on to the peer."""

    @staticmethod
    def build_session(config) -> TimeoutSession:
        session = PeerSession.build_session(config)
        session.auth = PassRequestId(session.auth)
        return session
