"""Book: chapter 8, "Cross-origin resource sharing": the dashboard's origin.

The browser calls the data service from the dashboard's pages, another
origin: CORS (flask-cors) tells it which origin may read the answers. The
dashboard's may; any other page gets no Access-Control-Allow-Origin, so its
JavaScript cannot read a thing (the browser enforces it; the end-to-end
test in Chromium proves that part). Preflights carry no token: they pass.
"""

import requests

from chapter08.tests.fixtures_data import DATA_ORIGIN, data_auth
from testkit.servers import python_command

PREFLIGHT = {
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "Authorization",
}


def test_the_dashboards_origin_may_read(data_client, data_tokens, data_runners):
    ada = data_runners[0]
    headers = {"Origin": DATA_ORIGIN, **data_auth(data_tokens.runner(ada))}
    response = data_client.get(f"/users/{ada}/months", headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == DATA_ORIGIN
    # A bearer token, no cookie: no credentials allowed.
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_another_origin_may_not(data_client, data_tokens, data_runners):
    ada = data_runners[0]
    headers = {"Origin": "http://127.0.0.1:6666", **data_auth(data_tokens.runner(ada))}
    response = data_client.get(f"/users/{ada}/months", headers=headers)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_preflight_needs_no_token(data_client):
    response = data_client.options(
        "/users/1/runs", headers={"Origin": DATA_ORIGIN, **PREFLIGHT}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == DATA_ORIGIN
    assert response.headers["Access-Control-Allow-Headers"].lower() == "authorization"
    assert response.headers["Access-Control-Allow-Methods"] == "GET"


def test_a_preflight_from_another_origin_allows_nothing(data_client):
    response = data_client.options(
        "/users/1/runs", headers={"Origin": "http://evil.test", **PREFLIGHT}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_error_is_readable_by_the_dashboard_too(data_client):
    # A 401 the page cannot read would look like a network failure.
    response = data_client.get("/users/1/runs", headers={"Origin": DATA_ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == DATA_ORIGIN


def test_python_m_serves_it_with_the_origin_from_the_environment(server_process):
    # The service as its own process, settings from FLASK_ variables.
    origin = "http://127.0.0.1:5999"
    server = server_process(
        python_command("-m", "chapter08.dataservice"),
        env={"FLASK_CORS_ORIGINS": f'["{origin}"]'},
    )
    assert requests.get(f"{server.url}/health", timeout=5).json() == {"status": "alive"}
    headers = {"Origin": origin, **PREFLIGHT}
    response = requests.options(f"{server.url}/users", headers=headers, timeout=5)
    assert response.headers["Access-Control-Allow-Origin"] == origin
    response = requests.get(
        f"{server.url}/users", headers={"Origin": origin}, timeout=5
    )
    assert response.status_code == 401
    assert "Data service on http://127.0.0.1:" in server.output()
