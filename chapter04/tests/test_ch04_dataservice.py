"""The data service, every request and response checked against openapi.yaml."""

from pathlib import Path

import pytest
from flask import request
from openapi_core import OpenAPI
from openapi_core.contrib.flask import FlaskOpenAPIRequest, FlaskOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from chapter04.dataservice import create_app
from testkit.databases import close_database

SPEC = Path(__file__).parent.parent / "dataservice" / "openapi.yaml"

RUN = {
    "strava_id": 9001,
    "name": "Morning run",
    "distance": 10020.5,
    "start_date": "2026-10-03T07:12:44Z",
    "elapsed_time": 3100,
    "moving_time": 3000,
    "average_speed": 3.34,
    "max_speed": 4.8,
    "average_heartrate": 151.2,
    "total_elevation_gain": 42.0,
}
OPTIONAL = {"average_heartrate", "total_elevation_gain"}


def test_the_spec_is_valid_openapi():
    spec, _ = read_from_filename(str(SPEC))
    validate(spec)


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


@pytest.fixture
def client(openapi):
    """A test client of a data service that checks itself against the spec."""
    app = create_app("testing")
    checked = []

    @app.after_request
    def check_contract(response):
        # Raised here, an error reaches the test (TESTING propagates it).
        openapi_request = FlaskOpenAPIRequest(request)
        openapi.validate_response(openapi_request, FlaskOpenAPIResponse(response))
        if response.status_code == 400:
            # What the service refuses, the spec refuses too.
            with pytest.raises(OpenAPIError):
                openapi.validate_request(openapi_request)
        else:
            openapi.validate_request(openapi_request)
        checked.append(request.path)
        return response

    yield app.test_client()
    close_database(app)
    assert checked, "no request went through the contract check"


def new_user(client, **fields):
    response = client.post("/users", json={"email": "ada@example.com", **fields})
    assert response.status_code == 201, response.json
    return response


def test_create_and_read_users(client):
    assert client.get("/users").json == []
    response = new_user(client, firstname="Ada", age=36, weight=58.5, password="pw")
    user = response.json
    assert response.headers["Location"] == f"/users/{user['id']}"
    assert user["firstname"] == "Ada"
    assert user["strava_connected"] is False
    assert "password" not in user and "password_hash" not in user
    assert client.get(f"/users/{user['id']}").json == user
    assert client.get("/users").json == [user]


def test_email_is_normalized(client):
    assert new_user(client, email="ada@EXAMPLE.com").json["email"] == "ada@example.com"


@pytest.mark.parametrize(
    "email", ["ada@runner.local", "x@example.invalid", "bob@runnerly.test"]
)
def test_special_use_domains_are_taken_as_the_spec_says(client, email):
    # The spec's description says so, and its ``format: email`` agrees.
    assert new_user(client, email=email).json["email"] == email


def test_duplicate_email_is_a_conflict(client):
    new_user(client)
    response = client.post("/users", json={"email": "ada@example.com"})
    assert response.status_code == 409
    assert response.json == {
        "status": 409,
        "message": "A user with this email exists already.",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email"),
        ({"firstname": "Ada"}, "$: 'email' is a required property"),
        ({"email": "a@example.com", "age": "old"}, "$.age: must be of type integer"),
        ({"email": "a@example.com", "age": True}, "$.age: must be of type integer"),
        ({"email": "a@example.com", "age": 2**63}, "$.age: must be at most"),
        ({"email": "a@example.com", "admin": True}, "$: Additional properties"),
        ({"email": "a" * 250 + "@example.com"}, "$.email: must be at most 254"),
        (["a@example.com"], "The body must be a JSON object."),
        ("a@example.com", "The body must be a JSON object."),
    ],
)
def test_bad_users_are_400_with_a_reason(client, body, message):
    response = client.post("/users", json=body)
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert response.json["message"].startswith(message)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'{"email": "a@example.com"', "application/json"),  # cut short
        (b"", "application/json"),
        ('{"email": "ad\u00e9@example.com"}'.encode("latin-1"), "application/json"),
        (
            '{"email": "ad\u00e9@example.com"}'.encode("latin-1"),
            "application/json; charset=iso-8859-1",  # JSON is UTF-8 (RFC 8259)
        ),
        (b'{"email": "a@example.com"}', "text/plain"),
        (b'{"email": "a@example.com"}', "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_json_is_400(client, data, content_type):
    response = client.post("/users", data=data, content_type=content_type)
    assert response.status_code == 400
    message = "The body must be a JSON object."
    assert response.json == {"status": 400, "message": message}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_json_has_not_are_400(number):
    # Python's parser takes them, no column can store them. Not JSON, so not
    # the spec's business either: a client without the contract check.
    app = create_app("testing")
    data = f'{{"email": "a@example.com", "weight": {number}}}'
    response = app.test_client().post(
        "/users", data=data, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["message"].startswith("$.weight: must be")
    close_database(app)


def test_a_body_in_utf16_is_json_too(client):
    # RFC 8259 asks for UTF-8, but a JSON parser may take UTF-16 and 32;
    # Python's does, and the body is then a valid one.
    data = '{"email": "ada@example.com"}'.encode("utf-16")
    response = client.post("/users", data=data, content_type="application/json")
    assert response.status_code == 201


def test_whole_numbers_are_integers(client):
    # JSON has one kind of number: 36.0 is the integer 36 (JSON Schema agrees).
    user = new_user(client, age=36.0, weight=58).json
    assert (user["age"], user["weight"]) == (36, 58.0)
    assert type(user["age"]) is int


def test_unknown_user_is_404(client):
    assert client.get("/users/42").json == {"status": 404, "message": "No such user."}
    assert client.get("/users/42/runs").status_code == 404
    assert client.post("/users/42/runs", json=RUN).status_code == 404


def test_add_and_read_runs(client):
    user_id = new_user(client).json["id"]
    response = client.post(f"/users/{user_id}/runs", json=RUN)
    assert response.status_code == 201
    run = response.json
    assert response.headers["Location"] == f"/runs/{run['id']}"
    assert run == {**RUN, "id": run["id"], "user_id": user_id}
    older = {**RUN, "strava_id": 9000, "start_date": "2026-09-01T06:00:00Z"}
    client.post(f"/users/{user_id}/runs", json=older)
    runs = client.get(f"/users/{user_id}/runs").json
    assert [r["strava_id"] for r in runs] == [9001, 9000]  # newest first
    assert client.get(f"/runs/{run['id']}").json == run


def test_optional_run_fields_may_be_null(client):
    user_id = new_user(client).json["id"]
    body = {**RUN, "average_heartrate": None, "total_elevation_gain": None}
    run = client.post(f"/users/{user_id}/runs", json=body).json
    assert (run["average_heartrate"], run["total_elevation_gain"]) == (None, 0.0)


def test_a_strava_activity_is_stored_once(client):
    user_id = new_user(client).json["id"]
    client.post(f"/users/{user_id}/runs", json=RUN)
    response = client.post(f"/users/{user_id}/runs", json=RUN)
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_date": "yesterday"}, "$.start_date: must match Z$"),
        ({"start_date": "2026-10-03T07:12:44+01:00"}, "$.start_date: must match Z$"),
        ({"start_date": "2026-13-03T07:12:44Z"}, "$.start_date: must be an ISO 8601"),
        ({"distance": "far"}, "$.distance: must be of type number"),
        ({"name": None}, "$.name: must be of type string"),
        ({"name": "x" * 10**6, "distance": "far"}, "$.distance: must be of type"),
        ({"elapsed_time": 31.5}, "$.elapsed_time: must be of type integer"),
        ({"strava_id": -(2**63) - 1}, "$.strava_id: must be at least"),
        ({"average_heartrate": "high"}, "$.average_heartrate: must be of type"),
        ({"kudos": 3}, "$: Unevaluated properties are not allowed ('kudos'"),
        ({"id": 3}, "$: Unevaluated properties are not allowed ('id'"),
    ],
)
def test_bad_runs_are_400(client, change, message):
    user_id = new_user(client).json["id"]
    response = client.post(f"/users/{user_id}/runs", json={**RUN, **change})
    assert response.status_code == 400
    assert response.json["message"].startswith(message)
    assert len(response.json["message"]) <= 300  # never the value sent back


@pytest.mark.parametrize("field", sorted(set(RUN) - OPTIONAL))
def test_a_run_without_a_required_field_is_400(client, field):
    user_id = new_user(client).json["id"]
    body = {name: value for name, value in RUN.items() if name != field}
    response = client.post(f"/users/{user_id}/runs", json=body)
    assert response.status_code == 400
    assert response.json["message"] == f"$: '{field}' is a required property"


def test_unknown_run_is_404(client):
    assert client.get("/runs/7").status_code == 404


def test_the_contract_check_catches_a_drift(openapi):
    """The check above is not a no-op: a response off the spec is caught."""
    app = create_app("testing")
    with app.test_request_context("/users/1"):
        drifted = app.response_class('{"id": "one"}', mimetype="application/json")
        with pytest.raises(OpenAPIError):
            openapi.validate_response(
                FlaskOpenAPIRequest(request), FlaskOpenAPIResponse(drifted)
            )
    close_database(app)
