"""Ours, beyond the book: tracing with OpenTelemetry, across services.

A request id ties log records together; a trace also says which call
happened inside which, and how long each took. OpenTelemetry's Flask
instrumentation makes a *span* of each request the service serves, the
requests instrumentation one of each call it makes, and the W3C
``traceparent`` header carries the trace id and the caller's span id to
the next service, which makes its span a child of that one. Spans leave in
batches over OTLP/HTTP for a collector (here :mod:`.otlp_receiver`).

Settings: ``OTLP_ENDPOINT`` (``http://127.0.0.1:4318``, say; none: no
tracing, nothing set up), ``OTLP_EXPORT_DELAY_MS`` (how long spans wait to
leave in a batch: 500), ``TRACE_SAMPLE_RATIO`` (the share of the requests
that start a trace: 1.0, all; a busy service keeps 0.1 or less, see the
benchmark; a request that comes with a sampled ``traceparent`` is traced
whatever the ratio, so a trace is never cut in half). The tracer provider
and the requests patch are per process (OpenTelemetry's globals): one
service, one process.
"""

from flask import Flask
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from .request_id import current_request_id


class Tracing:
    """The Flask extension: ``Tracing(app)`` or ``init_app`` later."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("OTLP_ENDPOINT", None)
        app.config.setdefault("OTLP_EXPORT_DELAY_MS", 500)
        app.config.setdefault("TRACE_SAMPLE_RATIO", 1.0)
        endpoint = app.config["OTLP_ENDPOINT"]
        if not endpoint:
            return
        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": app.config.get("SERVICE_NAME", app.name)}
            ),
            sampler=ParentBased(
                TraceIdRatioBased(float(app.config["TRACE_SAMPLE_RATIO"]))
            ),
        )
        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(
            BatchSpanProcessor(
                exporter, schedule_delay_millis=app.config["OTLP_EXPORT_DELAY_MS"]
            )
        )
        trace.set_tracer_provider(provider)
        FlaskInstrumentor().instrument_app(app, tracer_provider=provider)
        RequestsInstrumentor().instrument(tracer_provider=provider)
        app.before_request(mark_the_span)


def mark_the_span() -> None:
    # From the trace to the logs: the request id on the request's span.
    trace.get_current_span().set_attribute("request.id", current_request_id())
