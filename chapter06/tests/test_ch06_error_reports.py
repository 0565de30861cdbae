"""Error reports (error_reports.py): sentry-sdk in a real service, to our
Sentry sink (sentry_sink.py)."""

import gzip

import pytest
import requests

from chapter06.machinery.sentry_sink import create_app, parse_envelope
from chapter06.tests.helpers import (
    add_ann,
    assert_refused,
    break_the_database,
    get,
    on_sqlite,
    served,
)
from testkit.waiting import wait_until


@pytest.fixture
def sink():
    yield from served(create_app(), "sentry_sink")


@pytest.mark.integration
def test_an_unhandled_error_arrives_with_its_request_id(sink, logged_service, tmp_path):
    server, events = sink
    database = tmp_path / "data.db"
    service = logged_service(
        {
            **on_sqlite(database),
            "FLASK_SENTRY_DSN": f"http://public@127.0.0.1:{server.port}/1",
        }
    )
    add_ann(service.url)
    assert requests.get(f"{service.url}/users/9", timeout=5).status_code == 404
    break_the_database(database)
    response = get(f"{service.url}/users/1/runs", "report-me")
    assert response.status_code == 500
    wait_until(lambda: events, timeout=10, interval=0.05, what="an event")
    [event] = events
    assert (event["tags"]["request_id"], event["user"]) == ("report-me", {"id": "1"})
    assert event["request"]["url"].endswith("/users/1/runs")
    [exception] = event["exception"]["values"][-1:]
    assert exception["type"] == "OperationalError"
    assert "no such table: runs" in exception["value"]
    assert len(events) == 1  # the 404 was no error to report
    found = requests.get(f"{server.url}/events?request_id=report-me", timeout=5)
    assert found.json() == [event]
    assert requests.get(f"{server.url}/events?request_id=no", timeout=5).json() == []


ENVELOPE = b'{"event_id": "e1"}\n{"type": "event"}\n{"event_id": "e1"}\n'


@pytest.mark.parametrize(
    "body, headers, status, message",
    [
        (b"", {}, 400, "Bad envelope: its header is not a JSON object."),
        (b"{}\n[]\n", {}, 400, "Bad envelope: an item header is not a JSON object."),
        (
            b'{}\n{"length": 99}\nab',
            {},
            400,
            "Bad envelope: an item's length does not fit the body.",
        ),
        (
            b'{}\n{"length": -1}\nab',
            {},
            400,
            "Bad envelope: an item's length does not fit the body.",
        ),
        (
            b'{}\n{"type": "event"}\n[1]\n',
            {},
            400,
            "Bad envelope: an event is not a JSON object.",
        ),
        (b"not gzip", {"Content-Encoding": "gzip"}, 400, "Bad gzip body."),
        (
            gzip.compress(ENVELOPE, mtime=0)[:-4],
            {"Content-Encoding": "gzip"},
            400,
            "Bad gzip body.",
        ),
        (
            ENVELOPE,
            {"Content-Encoding": "br"},
            415,
            "Unsupported Content-Encoding: br.",
        ),
        (
            gzip.compress(b"{}" + b" " * 6_000_000),
            {"Content-Encoding": "gzip"},
            413,
            "Body too large once decompressed.",
        ),
    ],
)
def test_a_bad_envelope_is_a_clear_json_error(body, headers, status, message):
    app = create_app()
    response = app.test_client().post("/api/1/envelope/", data=body, headers=headers)
    assert_refused(app, response, status, message)


def test_a_gzip_envelope_with_other_items_keeps_the_events():
    app = create_app()
    body = (
        b'{"event_id": "e1"}\n{"type": "session", "length": 2}\n{}\n'
        b'{"type": "event", "length": 18}\n{"event_id": "e1"}'
    )
    response = app.test_client().post(
        "/api/1/envelope/",
        data=gzip.compress(body),
        headers={"Content-Encoding": "gzip"},
    )
    assert response.json == {"id": "e1"}
    assert app.extensions["sentry_sink"] == [{"event_id": "e1"}]


def test_parse_envelope_reads_lengths_and_lines():
    header, items = parse_envelope(
        b'{"a": 1}\n{"length": 3}\nx\ny\n{"type": "t"}\nzz\n'
    )
    assert header == {"a": 1}
    assert items == [({"length": 3}, b"x\ny"), ({"type": "t"}, b"zz")]
