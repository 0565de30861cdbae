"""Book: chapter 5, 'Improving data transfer' > 'Binary payloads'.

The same list of runs in three formats, chosen by the client's ``Accept``
header (content negotiation): JSON, MessagePack (JSON's data model in a
compact binary form, no schema) and Protocol Buffers (a schema both sides
share; field names never travel, only numbered tags). A client asking for
nothing we speak gets a 406, in JSON.

The protobuf schema is the ``RUNS_PROTO`` text below, built into message
classes at import time with ``descriptor_pb2``, so no ``protoc`` step and no
generated module are needed.

``python -m chapter05.binary_payloads`` serves ``/api/runs``.
"""

import json

import msgpack
from flask import Flask, Response, abort, request
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from chapter02.skeleton.errors import register_json_errors
from chapter02.skeleton.serving import run_app

from .runs import sample_runs

JSON = "application/json"
MSGPACK = "application/msgpack"  # IANA-registered in 2024; x- form accepted too
PROTOBUF = "application/x-protobuf"

# What the descriptor below builds, as a .proto file would say it:
RUNS_PROTO = """\
syntax = "proto3";
package runnerly;
message Run {
  int64 id = 1;
  string runner = 2;
  int64 distance = 3;   // metres
  int64 duration = 4;   // seconds
  string started = 5;   // ISO 8601
}
message RunList { repeated Run runs = 1; }
"""


def _build_messages():
    field = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="runnerly/runs.proto", package="runnerly", syntax="proto3"
    )
    run = file.message_type.add(name="Run")
    for number, (name, kind) in enumerate(
        [
            ("id", field.TYPE_INT64),
            ("runner", field.TYPE_STRING),
            ("distance", field.TYPE_INT64),
            ("duration", field.TYPE_INT64),
            ("started", field.TYPE_STRING),
        ],
        start=1,
    ):
        run.field.add(name=name, number=number, type=kind, label=field.LABEL_OPTIONAL)
    run_list = file.message_type.add(name="RunList")
    run_list.field.add(
        name="runs",
        number=1,
        type=field.TYPE_MESSAGE,
        type_name=".runnerly.Run",
        label=field.LABEL_REPEATED,
    )
    # A pool of our own, so another module defining runnerly.Run can't clash.
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("runnerly.Run")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("runnerly.RunList")),
    )


Run, RunList = _build_messages()


def encode(runs: list[dict], mimetype: str) -> bytes:
    if mimetype == MSGPACK:
        return msgpack.packb({"runs": runs})
    if mimetype == PROTOBUF:
        return RunList(runs=[Run(**run) for run in runs]).SerializeToString()
    return json.dumps({"runs": runs}).encode()


def decode(body: bytes, mimetype: str) -> list[dict]:
    if mimetype in (MSGPACK, "application/x-msgpack"):
        return msgpack.unpackb(body)["runs"]
    if mimetype in (PROTOBUF, "application/protobuf"):
        message = RunList.FromString(body)
        return [
            {name: getattr(run, name) for name in Run.DESCRIPTOR.fields_by_name}
            for run in message.runs
        ]
    return json.loads(body)["runs"]


# Every name a client may use, mapped to the canonical one.
OFFERED = {
    JSON: JSON,
    MSGPACK: MSGPACK,
    "application/x-msgpack": MSGPACK,
    PROTOBUF: PROTOBUF,
    "application/protobuf": PROTOBUF,
}


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)

    @app.get("/api/runs")
    def list_runs():
        # No Accept header means "anything": JSON then.
        match = JSON
        if "Accept" in request.headers:
            match = request.accept_mimetypes.best_match(list(OFFERED))
        if match is None:
            abort(406, f"can send: {', '.join(OFFERED)}")
        count = request.args.get("count", 3, type=int)
        mimetype = OFFERED[match]
        response = Response(encode(sample_runs(max(0, min(count, 10000))), mimetype))
        response.mimetype = mimetype
        response.vary.add("Accept")  # caches must key on it too
        return response

    return app


def main() -> None:
    banner = "Runs in JSON, MessagePack, protobuf on http://127.0.0.1:{port}/api/runs"
    run_app(create_app(), banner)


if __name__ == "__main__":
    main()
