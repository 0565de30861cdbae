"""The request id: taken or made, returned, and passed on to a peer."""

import requests_mock
from flask import Flask, g

from chapter06.request_id import (
    HEADER,
    RequestId,
    RequestIdPeerSession,
    current_request_id,
)

PEER = "http://peer.test"


def make_app() -> Flask:
    app = Flask(__name__)
    app.config.update(PEER_URL=PEER, PEER_RETRIES=0)
    RequestId(app)
    RequestIdPeerSession(app)
    adapter = requests_mock.Adapter()
    adapter.register_uri("GET", f"{PEER}/echo", json={})
    RequestIdPeerSession.session(app).mount(PEER, adapter)

    @app.get("/call")
    def call():
        sent = RequestIdPeerSession.session().get(f"{PEER}/echo").request
        return {"mine": g.request_id, "sent": sent.headers.get(HEADER)}

    return app


def test_a_sane_id_from_the_caller_is_kept_and_returned():
    response = make_app().test_client().get("/call", headers={HEADER: "abc.1:2-3_4"})
    assert response.headers[HEADER] == "abc.1:2-3_4"
    assert response.json == {"mine": "abc.1:2-3_4", "sent": "abc.1:2-3_4"}


def test_without_an_id_one_is_made_and_passed_on():
    client = make_app().test_client()
    first, second = client.get("/call"), client.get("/call")
    assert first.json["sent"] == first.json["mine"] == first.headers[HEADER]
    assert len(first.headers[HEADER]) == 32
    assert first.headers[HEADER] != second.headers[HEADER]


def test_an_id_that_could_forge_log_lines_is_replaced():
    client = make_app().test_client()
    for bad in ["", "a b", 'x"y', "x" * 129, "é", "a\tb"]:
        response = client.get("/call", headers={HEADER: bad})
        assert response.headers[HEADER] != bad
        assert len(response.headers[HEADER]) == 32


def test_outside_a_request_no_id_is_sent():
    app = make_app()
    with app.app_context():
        assert current_request_id() is None
        sent = RequestIdPeerSession.session().get(f"{PEER}/echo").request
    assert HEADER not in sent.headers


def test_an_explicit_header_wins_and_the_session_auth_still_applies():
    app = make_app()
    session = RequestIdPeerSession.session(app)
    with app.test_request_context("/"):
        g.request_id = "mine"
        sent = session.get(f"{PEER}/echo", headers={HEADER: "theirs"}).request
    assert sent.headers[HEADER] == "theirs"
