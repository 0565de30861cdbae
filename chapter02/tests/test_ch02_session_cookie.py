"""What Flask's session cookie holds (chapter02/session_cookie.py).

The tests take the cookie apart by hand: JSON, maybe zlib, base64, signature.
"""

import base64
import json
import zlib

import pytest
from flask import Flask
from itsdangerous import BadSignature

from chapter02.session_cookie import app


@pytest.fixture
def client():
    return app.test_client()


def session_cookie(client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def decode_without_the_key(cookie: str) -> dict:
    """Read a session cookie as anyone holding it can: no key needed."""
    compressed = cookie.startswith(".")
    payload = cookie.lstrip(".").split(".")[0]  # payload.timestamp.signature
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if compressed:
        data = zlib.decompress(data)
    return json.loads(data)


def test_the_session_lives_in_the_cookie(client):
    client.get("/api/visits")
    assert client.get("/api/visits").json == {"visits": 2}
    assert decode_without_the_key(session_cookie(client)) == {"visits": 2}


def test_a_small_session_is_not_compressed(client):
    client.get("/api/visits")
    cookie = session_cookie(client)
    assert not cookie.startswith(".")
    assert cookie.count(".") == 2


def test_a_session_is_compressed_when_that_makes_it_smaller(client):
    for _ in range(5):
        client.post("/api/notes", json="run, run, run " * 10)
    cookie = session_cookie(client)
    # A leading dot marks a zlib-compressed payload.
    assert cookie.startswith(".")
    notes = decode_without_the_key(cookie)["notes"]
    assert len(notes) == 5
    assert len(cookie) < len(json.dumps(notes))


def test_the_signature_is_checked_with_the_secret_key(client):
    client.get("/api/visits")
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer.loads(session_cookie(client)) == {"visits": 1}
    other_app = Flask("other")
    other_app.secret_key = "another key"
    other_key = other_app.session_interface.get_signing_serializer(other_app)
    with pytest.raises(BadSignature):
        other_key.loads(session_cookie(client))


def test_a_tampered_cookie_is_rejected(client):
    client.get("/api/visits")
    cookie = session_cookie(client)
    payload, timestamp, signature = cookie.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"visits": 1000}).encode())
    tampered = ".".join([forged.decode().rstrip("="), timestamp, signature])
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], tampered)
    # The forged session is thrown away: the count starts again.
    assert client.get("/api/visits").json == {"visits": 1}


def test_clearing_the_session(client):
    client.get("/api/visits")
    assert client.delete("/api/session").json == {"visits": 0}
    assert client.get("/api/visits").json == {"visits": 1}


def test_a_note_must_be_a_json_string(client):
    answer = client.post("/api/notes", json={"not": "a string"})
    assert answer.status_code == 400
    assert answer.json["message"] == "expected a JSON string"
