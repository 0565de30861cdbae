"""tracing.py's hooks: the sampler decides first, nothing is cut in half.

In a process of its own: OpenTelemetry's tracer provider is one per process.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from testkit.servers import ROOT

# A Python of its own, with the SDK and Flask to import: seconds, not the
# fast loop's milliseconds.
pytestmark = pytest.mark.slow

SCRIPT = """
import json
from flask import Flask
from opentelemetry import propagate
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from chapter06.request_id import RequestId
from chapter06.tracing import Tracing

app = Flask("traced")
app.config.update(OTLP_ENDPOINT="http://127.0.0.1:9", TRACE_SAMPLE_RATIO=0.0)
RequestId(app)
Tracing(app)
spans = InMemorySpanExporter()
app.extensions["tracing"].add_span_processor(SimpleSpanProcessor(spans))

@app.get("/users/<int:user_id>")
def user(user_id):
    headers = {}
    propagate.inject(headers)  # what a call to another service would carry
    return headers

@app.get("/broken")
def broken():
    raise RuntimeError("the database is gone")

client = app.test_client()
left_out = client.get("/users/1").json
parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
traced = client.get(
    "/users/2", headers={"traceparent": parent, "X-Request-ID": "t-1"}
).json
client.get("/broken", headers={"traceparent": parent})
# Header names in any case; a traceparent that is not one starts afresh.
any_case = client.get("/users/3", headers={"TraceParent": parent}).json
malformed = client.get("/users/4", headers={"traceparent": "00-not-a-trace-01"})
print(json.dumps({
    "left_out": left_out,
    "traced": traced,
    "any_case": any_case,
    "malformed": [malformed.status_code, malformed.json],
    "spans": [
        {
            "name": span.name,
            "trace_id": f"{span.context.trace_id:032x}",
            "parent": f"{span.parent.span_id:016x}" if span.parent else None,
            "attributes": dict(span.attributes),
            "status": span.status.status_code.name,
            "events": [event.name for event in span.events],
        }
        for span in spans.get_finished_spans()
    ],
}))
"""


def sampled(traceparent: str) -> bool:
    return bool(int(traceparent.rsplit("-", 1)[1], 16) & 1)


def test_the_sampler_decides_first_and_its_no_travels_on():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # Ratio 0: no span recorded, but a context with "not sampled" (the
    # flags' lowest bit) goes on to the services called: they leave it out.
    assert not sampled(found["left_out"]["traceparent"])
    # A caller's sampled traceparent: traced whatever the ratio, a child of
    # the caller's span, in the caller's trace, passed on as sampled.
    assert found["traced"]["traceparent"].startswith(
        "00-0af7651916cd43dd8448eb211c80319c-"
    )
    assert sampled(found["traced"]["traceparent"])
    traced, broken, any_case = found["spans"]
    assert traced["name"] == "GET /users/<int:user_id>"
    assert traced["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert traced["parent"] == "b7ad6b7169203331"
    assert traced["attributes"] == {
        "http.method": "GET",
        "http.target": "/users/2",
        "http.route": "/users/<int:user_id>",
        "request.id": "t-1",
        "http.status_code": 200,
    }
    assert traced["status"] == "UNSET"
    # An unhandled error: a 500, the span in error with the exception.
    assert broken["name"] == "GET /broken"
    assert broken["attributes"]["http.status_code"] == 500
    assert broken["status"] == "ERROR"
    assert broken["events"] == ["exception"]
    # "TraceParent" is the same header: the caller's trace goes on.
    assert any_case["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert any_case["parent"] == "b7ad6b7169203331"
    assert sampled(found["any_case"]["traceparent"])
    # A traceparent that is not one: served, and no trace (ratio 0) of it.
    status, headers = found["malformed"]
    assert status == 200
    assert not sampled(headers["traceparent"])
    assert "0af7651916cd43dd8448eb211c80319c" not in headers["traceparent"]
