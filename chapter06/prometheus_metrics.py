"""Request metrics on ``/metrics`` (book: "Performance metrics", "Web server metrics").

The book sends a figure per request to Graylog; today's services expose
counters that a Prometheus server reads ("scrapes") every few seconds, and
keeps as time series. This Flask extension counts every request by route
(the URL rule, ``/users/<int:user_id>``, not the raw path: one series per
endpoint, not one per user), method and status, times it in a histogram, and
tracks the requests in flight::

    >>> from chapter04.dataservice import create_app, db
    >>> app = create_app("testing")
    >>> init_app(app)
    >>> client = app.test_client()
    >>> client.get("/users").status_code
    200
    >>> text = client.get("/metrics").text
    >>> 'http_requests_total{method="GET",route="/users",status="200"}' in text
    True
    >>> with app.app_context():  # done: close its database connection
    ...     db.engine.dispose()

Under several worker processes (gunicorn), each worker counts its own
requests: a scrape lands on one of them, and would see a fraction of the
traffic. With ``PROMETHEUS_MULTIPROC_DIR`` set (before prometheus-client is
imported), each process writes its figures to files in that folder and
``/metrics`` adds them up (``MultiProcessCollector``); see
:mod:`chapter06.metered_service`.
"""

import functools
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder

# Module level: a metric is registered once per process, however many apps
# a process (or a test run) creates.
REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    # From 5 ms to 10 s: a JSON API's useful range (the default buckets too).
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "HTTP requests being answered now.",
    # Several processes: the sum over the live ones (a dead worker's
    # leftovers do not count).
    multiprocess_mode="livesum",
)

# Requests no URL rule matched (404s, 405s): one series for all of them, so random
# paths cannot create unbounded series. Likewise for made-up methods.
UNMATCHED = "<unmatched>"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
OTHER_METHOD = "<other>"


def init_app(app: Flask) -> None:
    """Measure every request of ``app``; serve the figures on ``METRICS_PATH``."""
    app.config.setdefault("METRICS_PATH", "/metrics")
    app.before_request(_start)
    app.after_request(_record)
    app.teardown_request(_finish)
    app.add_url_rule(
        app.config["METRICS_PATH"], "metrics", metrics_view, methods=["GET"]
    )


def labels() -> tuple[str, str]:
    """The request's route and method, as the series are labelled.

    The route is the URL rule that matched (its template), or
    ``<unmatched>``; the method, ``<other>`` for one HTTP does not know.
    """
    # The request behind Flask's proxy, looked up once, not at each attribute.
    served = request._get_current_object()
    rule, method = served.url_rule, served.method
    return (
        rule.rule if rule is not None else UNMATCHED,
        method if method in METHODS else OTHER_METHOD,
    )


# A metric's series for given labels, looked up once: ``labels()`` checks
# and sorts its arguments and takes a lock at every call. Bounded: routes,
# methods and statuses are few (see above).
@functools.cache
def _latency(route: str, method: str):
    return LATENCY.labels(route=route, method=method)


@functools.cache
def _requests(route: str, method: str, status: int):
    return REQUESTS.labels(route=route, method=method, status=str(status))


def _start() -> None:
    IN_FLIGHT.inc()
    g.metrics_in_flight = True
    g.metrics_started = time.perf_counter()


def _record(response: Response) -> Response:
    # Error responses (404, 405, 400 from abort, the 500 of an unhandled
    # error) come through here too, with their status.
    started = g.pop("metrics_started", None)
    if started is not None:
        route, method = labels()
        _latency(route, method).observe(time.perf_counter() - started)
        _requests(route, method, response.status_code).inc()
    return response


def _finish(error: BaseException | None) -> None:
    # Always runs, even when an exception skipped after_request (in TESTING
    # mode Flask lets it through): the gauge must come down, and the failed
    # request still counts, as the 500 it is.
    if g.pop("metrics_in_flight", False):
        IN_FLIGHT.dec()
    if g.pop("metrics_started", None) is not None:
        _requests(*labels(), 500).inc()


def registry() -> CollectorRegistry:
    """What ``/metrics`` shows: this process's metrics, or, when several
    processes share ``PROMETHEUS_MULTIPROC_DIR``, the sum of theirs."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined


def metrics_view() -> Response:
    # Prometheus asks for OpenMetrics in its Accept header; browsers and
    # curl get the classic text format.
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry()), content_type=content_type)
