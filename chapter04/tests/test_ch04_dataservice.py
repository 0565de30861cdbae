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
        ({"firstname": "Ada"}, "Missing field: email."),
        ({"email": "a@example.com", "age": "old"}, "Wrong type for field: age."),
        ({"email": "a@example.com", "age": True}, "Wrong type for field: age."),
        ({"email": "a@example.com", "admin": True}, "Unknown field(s): admin."),
        (["a@example.com"], "The body must be a JSON object."),
    ],
)
def test_bad_users_are_400_with_a_reason(client, body, message):
    response = client.post("/users", json=body)
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert response.json["message"].startswith(message)


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
        ({"start_date": "yesterday"}, "start_date must be an ISO 8601 date-time."),
        ({"distance": "far"}, "Wrong type for field: distance."),
        ({"name": None}, "Wrong type for field: name."),
    ],
)
def test_bad_runs_are_400(client, change, message):
    user_id = new_user(client).json["id"]
    response = client.post(f"/users/{user_id}/runs", json={**RUN, **change})
    assert response.status_code == 400
    assert response.json["message"] == message


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
