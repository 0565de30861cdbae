"""Ours, beyond the book: tracing with OpenTelemetry, across services.

A request id ties log records together; a trace also says which call
happened inside which, and how long each took. A *span* is made of each
request the service serves (here, by three Flask hooks), OpenTelemetry's
requests instrumentation makes one of each call it makes, and the W3C
``traceparent`` header carries the trace id and the caller's span id to
the next service, which makes its span a child of that one. Spans leave in
batches over OTLP/HTTP for a collector (here :mod:`.otlp_receiver`), from
the batch processor's thread.

Why our hooks rather than OpenTelemetry's Flask instrumentation: that one
builds a request's attributes (twice), its metrics and its span before the
sampler has a say, so a request that is not traced costs nearly what a
traced one does. Here the sampler decides first, from the ``traceparent``
header or the trace id alone; a request it leaves out gets a span that
records nothing (its context still goes on to the services it calls, with
"not sampled", so they leave it out too), and its attributes are never
built.

Settings: ``OTLP_ENDPOINT`` (``http://127.0.0.1:4318``, say; none: no
tracing, nothing set up), ``OTLP_EXPORT_DELAY_MS`` (how long spans wait to
leave in a batch: 500), ``TRACE_SAMPLE_RATIO`` (the share of the requests
that start a trace: 1.0, all; a busy service keeps 0.1 or less, see the
benchmark; a request that comes with a sampled ``traceparent`` is traced
whatever the ratio, so a trace is never cut in half). The tracer provider
and the requests patch are per process (OpenTelemetry's globals): one
service, one process.
"""

import functools

from flask import Flask, Response, g, request
from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode

from .request_id import current_request_id

KEY = "tracing"


class Tracing:
    """The Flask extension: ``Tracing(app)`` or ``init_app`` later."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("OTLP_ENDPOINT", None)
        app.config.setdefault("OTLP_EXPORT_DELAY_MS", 500)
        app.config.setdefault("TRACE_SAMPLE_RATIO", 1.0)
        app.extensions[KEY] = None
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
        RequestsInstrumentor().instrument(tracer_provider=provider)
        tracer = provider.get_tracer(__name__)
        app.before_request(functools.partial(start_span, tracer))
        app.after_request(add_the_status)
        app.teardown_request(end_span)
        app.extensions[KEY] = provider

    @staticmethod
    def flush(app: Flask) -> None:
        """Send the spans that wait in the batch now."""
        if app.extensions.get(KEY) is not None:
            app.extensions[KEY].force_flush()


class EnvironGetter(Getter):
    """The WSGI environ as the carrier of the incoming trace context.

    A header is read by its CGI name (``traceparent``: ``HTTP_TRACEPARENT``),
    one dict lookup, where the request's ``headers`` view would build and
    compare names for each of the propagators' reads, in every request.
    """

    def get(self, carrier: dict, key: str) -> list[str] | None:
        value = carrier.get(f"HTTP_{key.upper().replace('-', '_')}")
        return None if value is None else [value]

    def keys(self, carrier: dict) -> list[str]:
        return [
            name[5:].lower().replace("_", "-")
            for name in carrier
            if name.startswith("HTTP_")
        ]


ENVIRON = EnvironGetter()


def start_span(tracer: trace.Tracer) -> None:
    """The request's span, a child of the caller's if a ``traceparent`` came."""
    # The request behind Flask's proxy, looked up once, not at each attribute.
    served = request._get_current_object()
    parent = propagate.extract(served.environ, getter=ENVIRON)  # any case
    rule = served.url_rule  # None for a 404: no route
    method = served.method
    name = f"{method} {rule.rule}" if rule else method
    # No attributes yet: the sampler decides on the ids alone.
    span = tracer.start_span(name, context=parent, kind=SpanKind.SERVER)
    if span.is_recording():
        # The attributes a trace's reader looks for, no more: each is set,
        # copied, encoded and sent for every request traced. The path
        # without its query string, which may hold a token.
        attributes = {"http.method": method, "http.target": served.path}
        if rule:
            attributes["http.route"] = rule.rule
        # From the trace to the logs: the request id on the request's span.
        request_id = current_request_id()
        if request_id is not None:
            attributes["request.id"] = request_id
        span.set_attributes(attributes)
    # The span, and the token that takes its context off when it ends.
    g.span = span, context.attach(trace.set_span_in_context(span, parent))


def add_the_status(response: Response) -> Response:
    span, _ = g.get("span", NO_SPAN)
    if span is not None and span.is_recording():
        span.set_attribute("http.status_code", response.status_code)
        if response.status_code >= 500:  # a 4xx is the caller's error
            span.set_status(Status(StatusCode.ERROR))
    return response


def end_span(error: BaseException | None) -> None:
    span, token = g.pop("span", NO_SPAN)
    if span is None:  # before_request did not run (a test_request_context)
        return
    if error is not None and span.is_recording():
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    span.end()
    context.detach(token)


NO_SPAN = (None, None)
