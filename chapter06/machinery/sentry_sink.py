"""Ours, beyond the book: a local endpoint that plays Sentry's ingest API.

sentry-sdk sends what it reports (an unhandled exception and its context)
as an *envelope*: ``POST /api/<project>/envelope/``, gzip-compressed, a
JSON header line, then items, each a JSON header line (its ``type``, its
``length`` in bytes when known) and its payload. This endpoint reads them
the way Sentry would, keeps the events, and shows them at ``GET /events``
(filter by tag: ``?request_id=...``). A body it cannot read is a JSON 400,
never a crash::

    >>> app = create_app()
    >>> body = b'{}\\n{"type": "event", "length": 13}\\n{"level":"x"}\\n'
    >>> app.test_client().post("/api/1/envelope/", data=body).status_code
    200
    >>> app.test_client().get("/events").json
    [{'level': 'x'}]
    >>> app.test_client().post("/api/1/envelope/", data=b"nope").json
    {'message': 'Bad envelope: its header is not a JSON object.', 'status': 400}

``python -m chapter06.machinery.sentry_sink`` serves it on ``$PORT`` (5000); the DSN
for it is ``http://public@127.0.0.1:5000/1``.
"""

import json
import zlib

from flask import Flask, abort, jsonify, request

from chapter02.skeleton.serving import run_app

from .collected import stand_in

MAX_BODY = 5 * 1024 * 1024  # compressed, and again once decompressed


class BadEnvelope(ValueError):
    pass


def json_object(line: bytes, what: str) -> dict:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise BadEnvelope(f"{what} is not a JSON object")
    return value


def parse_envelope(body: bytes) -> tuple[dict, list[tuple[dict, bytes]]]:
    """An envelope's header and its (item header, payload) pairs."""
    header_line, _, rest = body.partition(b"\n")
    header = json_object(header_line, "its header")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json_object(item_line, "an item header")
        length = item.get("length")
        if length is None:  # the payload runs to the end of the line
            payload, _, rest = rest.partition(b"\n")
        elif isinstance(length, int) and 0 <= length <= len(rest):
            payload, rest = rest[:length], rest[length:].removeprefix(b"\n")
        else:
            raise BadEnvelope("an item's length does not fit the body")
        items.append((item, payload))
    return header, items


def decompress(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        abort(415, f"Unsupported Content-Encoding: {encoding}.")
    # At most MAX_BODY bytes out: a small bomb must not fill the memory.
    wbits = zlib.MAX_WBITS | 32 if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, MAX_BODY)
    except zlib.error:
        abort(400, f"Bad {encoding} body.")
    if inflater.unconsumed_tail:
        abort(413, "Body too large once decompressed.")
    if not inflater.eof:
        abort(400, f"Bad {encoding} body.")
    return data


def create_app() -> Flask:
    app, events = stand_in("sentry_sink", MAX_BODY)

    @app.post("/api/<int:project>/envelope/")
    def envelope(project: int):
        body = decompress(request.get_data(), request.content_encoding or "")
        try:
            _, items = parse_envelope(body)
            found = [
                json_object(payload, "an event")
                for item, payload in items
                if item.get("type") in ("event", "transaction")
            ]
        except BadEnvelope as error:
            abort(400, f"Bad envelope: {error}.")
        events.add(found)
        # What Sentry answers: the event's id.
        return {"id": found[0].get("event_id") if found else None}

    @app.get("/events")
    def list_events():
        tags = request.args.to_dict().items()
        return jsonify(events.where(lambda e: all(tag_of(e, k) == v for k, v in tags)))

    return app


def tag_of(event: dict, name: str):
    tags = event.get("tags") or {}
    if isinstance(tags, list):  # [[name, value], ...] is also allowed
        tags = dict(pair for pair in tags if isinstance(pair, list) and len(pair) == 2)
    return tags.get(name) if isinstance(tags, dict) else None


def main() -> None:
    run_app(create_app(), "Sentry sink: DSN http://public@127.0.0.1:{port}/1")


if __name__ == "__main__":
    main()
