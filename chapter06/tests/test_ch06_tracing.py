"""Tracing: one trace across two real processes, to our OTLP receiver."""

import pytest
import requests
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from chapter06.machinery.otlp_receiver import create_app
from chapter06.tests.helpers import add_ann, assert_refused, get, served
from chapter06.tracing import ENVIRON
from testkit.waiting import wait_until


@pytest.fixture
def collector():
    yield from served(create_app(), "otlp_receiver")


@pytest.mark.integration
def test_one_trace_across_two_processes(collector, logged_service):
    server, spans = collector
    traced = {"FLASK_OTLP_ENDPOINT": server.url}
    data = logged_service(traced)
    dashboard = logged_service(
        {**traced, "FLASK_SERVICE_NAME": "dashboard", "FLASK_PEER_URL": data.url}
    )
    add_ann(data.url)
    response = get(f"{dashboard.url}/dashboard/1", "trace-me")
    assert response.ok
    # POST /users, then the dashboard's request, its two calls, their two
    # requests on the data service.
    wait_until(lambda: len(spans) >= 6, timeout=15, interval=0.05, what="six spans")
    found = list(spans)
    root, trace = the_trace_of(found, "trace-me")
    assert (root["kind"], root["name"]) == ("SERVER", "GET /dashboard/<int:user_id>")
    assert root["parent_span_id"] is None
    assert_the_calls_carry_the_trace(root, trace)
    assert_the_data_service_served_both_calls(trace, "trace-me")
    # A trace of its own for the request before.
    [post] = [s for s in found if s["name"] == "POST /users"]
    assert post["trace_id"] != root["trace_id"]
    got = requests.get(
        f"{server.url}/spans", params={"trace_id": root["trace_id"]}, timeout=5
    )
    assert len(got.json()) == 5


def the_trace_of(found: list[dict], request_id: str) -> tuple[dict, list[dict]]:
    """The dashboard's span of the request, and every span of its trace."""
    [root] = [
        s
        for s in found
        if s["attributes"].get("request.id") == request_id
        and s["service"] == "dashboard"
    ]
    return root, [s for s in found if s["trace_id"] == root["trace_id"]]


def assert_the_calls_carry_the_trace(root: dict, trace: list[dict]) -> None:
    """The dashboard's two calls are children of its request, and each span
    of the data service the child of one of them."""
    by_id = {s["span_id"]: s for s in trace}
    calls = [s for s in trace if s["kind"] == "CLIENT"]
    served = [s for s in trace if s["service"] == "data"]
    assert (len(trace), len(calls), len(served)) == (5, 2, 2)
    assert {(c["service"], c["parent_span_id"]) for c in calls} == {
        ("dashboard", root["span_id"])
    }
    # The traceparent header carried the caller's span across processes.
    parents = {by_id[s["parent_span_id"]]["span_id"] for s in served}
    assert parents == {c["span_id"] for c in calls}


def assert_the_data_service_served_both_calls(trace: list[dict], request_id: str):
    served = [s for s in trace if s["service"] == "data"]
    assert sorted(s["name"] for s in served) == [
        "GET /users/<int:user_id>",
        "GET /users/<int:user_id>/runs",
    ]
    assert all(s["attributes"]["request.id"] == request_id for s in served)


def test_json_bodies_are_read_too():
    export = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "s"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "AAECAwQFBgcICQoLDA0ODw==",
                                "spanId": "AAECAwQFBgc=",
                                "name": "work",
                                "kind": "SPAN_KIND_INTERNAL",
                                "attributes": [
                                    {"key": "n", "value": {"intValue": "3"}},
                                    {
                                        "key": "l",
                                        "value": {
                                            "arrayValue": {
                                                "values": [{"boolValue": True}]
                                            }
                                        },
                                    },
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    app = create_app()
    assert app.test_client().post("/v1/traces", json=export).json == {}
    [span] = app.test_client().get("/spans?service=s").json
    assert span["trace_id"] == "000102030405060708090a0b0c0d0e0f"
    assert span["span_id"] == "0001020304050607"
    assert span["parent_span_id"] is None
    assert (span["name"], span["kind"]) == ("work", "INTERNAL")
    assert span["attributes"] == {"n": 3, "l": [True]}


def protobuf_of(export: dict) -> bytes:
    return json_format.ParseDict(
        export, ExportTraceServiceRequest()
    ).SerializeToString()


@pytest.mark.parametrize(
    "body, headers, status, message",
    [
        (b"\xff\xff", {"Content-Type": "application/x-protobuf"}, 400, None),
        (b"{", {"Content-Type": "application/json"}, 400, None),
        (b'{"resourceSpans": 3}', {"Content-Type": "application/json"}, 400, None),
        (b"[" * 100_000, {"Content-Type": "application/json"}, 400, None),
        (
            b"x",
            {"Content-Type": "text/plain"},
            415,
            "Send application/x-protobuf or application/json.",
        ),
        (
            b"x",
            {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
            415,
            "Compressed bodies are not supported here.",
        ),
    ],
)
def test_a_bad_body_is_a_clear_json_error(body, headers, status, message):
    app = create_app()
    response = app.test_client().post("/v1/traces", data=body, headers=headers)
    assert_refused(
        app, response, status, message or "Not an OTLP ExportTraceServiceRequest."
    )


def test_an_empty_export_is_fine():
    app = create_app()
    response = app.test_client().post(
        "/v1/traces", data=protobuf_of({}), content_type="application/x-protobuf"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/x-protobuf"


def test_the_trace_context_is_read_from_the_wsgi_environ_by_header_name():
    environ = {
        "HTTP_TRACEPARENT": "00-abc-01",
        "HTTP_X_REQUEST_ID": "r",
        "PATH_INFO": "/",
    }

    assert ENVIRON.get(environ, "traceparent") == ["00-abc-01"]
    assert ENVIRON.get(environ, "Trace-State") is None
    assert sorted(ENVIRON.keys(environ)) == ["traceparent", "x-request-id"]
