"""Ours, beyond the book: a small OTLP/HTTP receiver for traces.

OpenTelemetry's exporters send spans to a collector (Jaeger, Tempo, the
OpenTelemetry Collector...), none of which is packaged here. This receiver
takes what they send, ``POST /v1/traces`` with an
``ExportTraceServiceRequest`` in protobuf (``application/x-protobuf``, the
exporter's default) or in JSON (``application/json``), and keeps each span
flat: its trace id, its own id, its parent's, its name and kind, the
service it came from, its attributes. ``GET /spans`` shows them (filters:
``?trace_id=...``, ``?service=...``, ``?name=...``). A body it cannot read
is a JSON 400, never a crash::

    >>> app = create_app()
    >>> app.test_client().post(
    ...     "/v1/traces", data=b"\\xff", content_type="application/x-protobuf"
    ... ).json
    {'message': 'Not an OTLP ExportTraceServiceRequest.', 'status': 400}

``python -m chapter06.machinery.otlp_receiver`` serves it on ``$PORT`` (5000).
"""

from flask import Flask, Response, abort, jsonify, request
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from chapter02.skeleton.serving import run_app

from .collected import stand_in

PROTOBUF = "application/x-protobuf"
MAX_BODY = 5 * 1024 * 1024


def value_of(value: AnyValue):
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def attributes(pairs) -> dict:
    return {pair.key: value_of(pair.value) for pair in pairs}


def flat_spans(export: ExportTraceServiceRequest) -> list[dict]:
    spans = []
    for resource_spans in export.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "service": resource.get("service.name"),
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "kind": Span.SpanKind.Name(span.kind).removeprefix(
                            "SPAN_KIND_"
                        ),
                        "start": span.start_time_unix_nano,
                        "end": span.end_time_unix_nano,
                        "attributes": attributes(span.attributes),
                    }
                )
    return spans


def create_app() -> Flask:
    app, spans = stand_in("otlp_receiver", MAX_BODY)

    @app.post("/v1/traces")
    def traces():
        if request.content_encoding not in (None, "", "identity"):
            # The exporter compresses only when told to (OTLP compression).
            abort(415, "Compressed bodies are not supported here.")
        export = ExportTraceServiceRequest()
        try:
            if request.mimetype == PROTOBUF:
                export.ParseFromString(request.get_data())
            elif request.mimetype == "application/json":
                json_format.Parse(request.get_data(), export)
            else:
                abort(415, f"Send {PROTOBUF} or application/json.")
            found = flat_spans(export)
        except (DecodeError, json_format.ParseError, ValueError, RecursionError):
            abort(400, "Not an OTLP ExportTraceServiceRequest.")
        spans.add(found)
        if request.mimetype == PROTOBUF:
            return Response(
                ExportTraceServiceResponse().SerializeToString(), mimetype=PROTOBUF
            )
        return {}

    @app.get("/spans")
    def list_spans():
        fields = request.args.to_dict().items()
        return jsonify(
            spans.where(lambda s: all(str(s.get(k)) == v for k, v in fields))
        )

    return app


def main() -> None:
    run_app(create_app(), "OTLP receiver: http://127.0.0.1:{port}/v1/traces")


if __name__ == "__main__":
    main()
