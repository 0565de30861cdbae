"""``/metrics`` in one process: what it counts, and promtool accepts it."""

import pytest
from prometheus_client import REGISTRY

from chapter04.dataservice import create_app, db
from chapter06 import prometheus_metrics
from testkit.prometheus import promtool


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests_total(route: str, method: str = "GET", status: str = "200") -> float:
    return value("http_requests_total", route=route, method=method, status=status)


@pytest.fixture
def app():
    app = create_app("testing")
    prometheus_metrics.init_app(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def test_counts_by_route_template_method_and_status(client):
    before = {
        "users": requests_total("/users"),
        "user": requests_total("/users/<int:user_id>", status="404"),
        "unmatched": requests_total("<unmatched>", status="404"),
        "post": requests_total("/users", method="POST", status="400"),
    }
    client.get("/users")
    # Two users, one series: the route's template, not the raw path.
    client.get("/users/1")
    client.get("/users/2")
    client.get("/no/such/path")
    client.get("/another/missing/path")
    client.post("/users", data="not json")

    assert requests_total("/users") == before["users"] + 1
    assert requests_total("/users/<int:user_id>", status="404") == before["user"] + 2
    assert requests_total("<unmatched>", status="404") == before["unmatched"] + 2
    assert requests_total("/users", method="POST", status="400") == before["post"] + 1
    assert (
        value("http_requests_total", route="/users/1", method="GET", status="404") == 0
    )


def test_made_up_methods_share_one_series(client):
    # No rule matches a method a route does not take: <unmatched> too.
    before = requests_total("<unmatched>", method="<other>", status="405")
    for made_up in ("BREW", "WHEN", "X-ANYTHING"):
        assert client.open("/users", method=made_up).status_code == 405
    assert requests_total("<unmatched>", method="<other>", status="405") == before + 3
    assert requests_total("<unmatched>", method="BREW", status="405") == 0


def test_latency_histogram(client):
    labels = {"route": "/users", "method": "GET"}
    count = value("http_request_duration_seconds_count", **labels)
    infinite = value("http_request_duration_seconds_bucket", le="+Inf", **labels)
    total = value("http_request_duration_seconds_sum", **labels)
    client.get("/users")
    client.get("/users")
    assert value("http_request_duration_seconds_count", **labels) == count + 2
    assert value("http_request_duration_seconds_bucket", le="+Inf", **labels) == (
        infinite + 2
    )
    assert value("http_request_duration_seconds_sum", **labels) > total


def test_in_flight_counts_the_request_being_answered(app, client):
    app.add_url_rule(
        "/probe", "probe", lambda: {"in": value("http_requests_in_flight")}
    )
    before = value("http_requests_in_flight")
    assert client.get("/probe").json == {"in": before + 1}
    assert value("http_requests_in_flight") == before


def test_an_unhandled_error_counts_as_a_500(app):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    before = requests_total("/broken", status="500")
    in_flight = value("http_requests_in_flight")
    # As in production: Flask turns the error into the skeleton's JSON 500.
    app.testing = False
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert response.json["status"] == 500
    # In tests Flask lets the error through, skipping after_request: the
    # request is still counted, and no longer in flight.
    app.testing = True
    with pytest.raises(RuntimeError):
        app.test_client().get("/broken")
    assert requests_total("/broken", status="500") == before + 2
    assert value("http_requests_in_flight") == in_flight


def test_metrics_refuses_other_methods_in_json(client):
    response = client.post("/metrics", data="x")
    assert response.status_code == 405
    assert response.json["status"] == 405


def test_text_format_by_default_openmetrics_when_asked(client):
    plain = client.get("/metrics")
    assert plain.content_type.startswith("text/plain")
    assert "# TYPE http_requests_total counter" in plain.text
    asked = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert asked.content_type.startswith("application/openmetrics-text")
    assert asked.text.endswith("# EOF\n")
    # A nonsense Accept header gets the text format, not an error.
    odd = client.get("/metrics", headers={"Accept": "}}not/a;type=="})
    assert odd.status_code == 200
    assert odd.content_type.startswith("text/plain")


def test_promtool_accepts_the_output(client):
    client.get("/users")
    client.get("/missing")
    result = promtool("check", "metrics", input=client.get("/metrics").text)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_would_reject_a_bad_exposition():
    # The check above can fail: promtool refuses what is not the format.
    result = promtool("check", "metrics", input="http requests 1\n")
    assert result.returncode != 0


def test_client_input_cannot_grow_the_series_cache(app, client):
    # The children are cached by their labels: paths and methods a client
    # makes up must all land on the few series that exist already.
    app.add_url_rule("/odd", "odd", lambda: ("", 599))  # a status the app invents
    client.get("/odd")
    for made_up in ("BREW", "PROPFIND"):
        client.open("/no/such/path", method=made_up)
    client.get("/no/such/path")
    client.get("/users/1")
    size = prometheus_metrics._requests.cache_info().currsize
    for number in range(50):
        client.open(f"/no/such/path/{number}", method=f"X-{number}")
        client.get(f"/missing/{number}")
        client.get(f"/users/{number}")
        client.get("/odd")
    assert prometheus_metrics._requests.cache_info().currsize == size
    assert requests_total("/odd", status="599") >= 51
