"""Logs with extra fields, as GELF and JSON lines, followed across two processes.

gelf_logs.py, json_logs.py and request_logs.py, in logged_service.py.

The services are real processes (``python -m chapter06.logged_service``),
the GELF receiver runs in the test, so the test reads what arrived.
"""

import gzip
import json
import logging
import secrets
import socket
import sqlite3
import sys

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.pool import Pool

from chapter06.gelf_logs import GelfHandler, GelfLogs
from chapter06.log_queue import LogQueue
from chapter06.logged_service import create_app
from chapter06.machinery.gelf_receiver import GelfReceiver
from chapter06.request_logs import RequestLogs
from chapter06.tests.helpers import (
    Records,
    add_ann,
    break_the_database,
    get,
    on_sqlite,
)


@pytest.fixture
def app():
    app = create_app("testing")
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_every_request_logs_one_record_with_its_fields(app):
    records = Records()
    RequestLogs.add_handler(app, records)
    client = app.test_client()
    client.post(
        "/users", json={"email": "ann@runnerly.test"}, headers={"X-Request-ID": "r1"}
    )
    client.get("/users/1/runs", headers={"X-Request-ID": "r2"})
    client.post("/users", json=[], headers={"X-Request-ID": "r3"})
    fields = [
        (r.getMessage(), r.service, r.request_id, r.status, getattr(r, "user_id", None))
        for r in records.records
    ]
    assert fields == [
        ("POST /users 201", "data", "r1", 201, None),
        ("GET /users/1/runs 200", "data", "r2", 200, 1),
        ("POST /users 400", "data", "r3", 400, None),
    ]
    assert all(r.duration_ms >= 0 for r in records.records)


def test_json_lines_on_stdout_when_chosen(capsys):
    app = create_app("testing", LOG_FORMAT="json")
    app.test_client().get("/users/7", headers={"X-Request-ID": "j1"})
    assert LogQueue.of(app).flush()  # the lines are the log thread's to write
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["message"] == "GET /users/7 404"
    assert record["level"] == "INFO"
    assert (record["request_id"], record["user_id"], record["status"]) == ("j1", 7, 404)
    assert record["service"] == "data"


def test_text_lines_by_default(capsys):
    app = create_app("testing")
    app.test_client().get("/users", headers={"X-Request-ID": "t1"})
    assert LogQueue.of(app).flush()
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    assert capsys.readouterr().out.endswith(" INFO [data t1] GET /users 200\n")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT is text or json, not 'xml'"):
        create_app("testing", LOG_FORMAT="xml")


@pytest.mark.parametrize(
    "compress, first_bytes",
    [(True, b"\x1f\x8b"), (False, b'{"')],
    ids=["gzip", "plain"],
)
def test_gelf_messages_arrive_and_an_oversized_one_is_cut_to_fit(compress, first_bytes):
    # gzip with a small window, or plain JSON: what a GELF receiver reads,
    # whatever the size.
    with GelfReceiver(echo=False) as receiver:
        handler = GelfHandler(
            "127.0.0.1", receiver.udp_port, chunk_size=300, compress=compress
        )
        assert handler.makePickle(logging.makeLogRecord({}))[:2] == first_bytes
        handler.handle(logging.makeLogRecord({"msg": "disk full", "levelno": 30}))
        # Random text does not compress: more than 128 chunks of 300 bytes.
        noise = secrets.token_urlsafe(60_000)
        handler.handle(logging.makeLogRecord({"msg": noise, "levelno": 40}))
        handler.close()
        first, second = receiver.wait_for(2)
    assert (first["short_message"], first["level"]) == ("disk full", 4)
    assert (second["_chunk_overflow"], second["level"]) == (True, 3)
    # Cut in its middle: its start and its end arrive.
    start, end = second["short_message"].split(" [...] ")
    assert noise.startswith(start) and noise.endswith(end)
    assert 0 < len(start) + len(end) < len(noise)


def test_a_cut_message_keeps_its_level_its_fields_and_its_tracebacks_end():
    # A long traceback (SQL in an error's text, a deep recursion): what is
    # cut is its middle; the record is still found by its request id.
    try:
        raise ValueError(secrets.token_urlsafe(60_000))
    except ValueError:
        record = logging.getLogger("demo").makeRecord(
            "demo", logging.WARNING, __file__, 1, "retrying", None, sys.exc_info()
        )
    record.request_id = "cut-1"
    # As log_queue's thread gets it: the traceback as text.
    record.exc_text = exception = logging.Formatter().formatException(record.exc_info)
    record.exc_info = None
    with GelfReceiver(echo=False) as receiver:
        handler = GelfHandler("127.0.0.1", receiver.udp_port, chunk_size=300)
        handler.handle(record)
        handler.close()
        [cut] = receiver.wait_for(request_id="cut-1")
    assert (cut["short_message"], cut["level"], cut["_chunk_overflow"]) == (
        "retrying",
        4,
        True,
    )
    assert cut["full_message"].startswith("Traceback (most recent call last):")
    assert cut["full_message"].endswith(exception[-100:])
    assert " [...] " in cut["full_message"]


def test_a_field_json_cannot_carry_leaves_as_text_with_the_record():
    circular: dict = {}
    circular["self"] = circular

    class Unprintable:
        def __repr__(self):
            raise RuntimeError("no repr")

    record = logging.makeLogRecord(
        {
            "msg": "odd fields",
            "ratio": float("nan"),  # NaN: not JSON, Graylog refuses the message
            "by_pair": {("a", "b"): 1},
            "circular": circular,
            "thing": Unprintable(),
            "path": "/data/r\udcfesum\u00e9.csv",  # an undecodable file name
        }
    )
    handler = GelfHandler("127.0.0.1", 12201)
    packed = gzip.decompress(handler.makePickle(record))
    handler.close()
    fields = json.loads(packed, parse_constant=pytest.fail)  # strict JSON
    assert fields["short_message"] == "odd fields"
    assert (fields["_ratio"], fields["_by_pair"]) == ("nan", "{('a', 'b'): 1}")
    assert fields["_circular"] == "{'self': {...}}"
    assert fields["_thing"] == "<unprintable Unprintable>"
    assert fields["_path"] == "/data/r\udcfesum\u00e9.csv"


@pytest.mark.parametrize("chunk_size", [0, -1, 65_496])
def test_a_chunk_size_no_datagram_can_carry_is_refused(chunk_size):
    app = Flask("demo")
    app.config.update(GELF_PORT=12201, GELF_CHUNK_SIZE=chunk_size)
    with pytest.raises(ValueError, match="GELF_CHUNK_SIZE is 1 to 65495 bytes"):
        GelfLogs(app)


def test_a_network_that_refuses_is_reported_once_not_per_record(capsys):
    # The broadcast address, without SO_BROADCAST: every sendto fails.
    handler = GelfHandler("255.255.255.255", 12201)
    for number in range(3):
        handler.handle(logging.makeLogRecord({"msg": f"lost {number}"}))
    handler.close()
    assert capsys.readouterr().err.count("--- Logging error ---") == 1


@pytest.mark.parametrize("port", ["", "gelf", 0, 70000])
def test_a_port_that_is_not_one_is_refused_at_start(port):
    app = Flask("demo")
    app.config.update(GELF_PORT=port)
    with pytest.raises(ValueError, match="GELF_PORT is a port number, 1 to 65535"):
        GelfLogs(app)


def test_a_receiver_named_by_host_name_is_looked_up_once(monkeypatch):
    # Not once a datagram, as logging's sendto to a name would: a DNS query
    # per log line where a container platform names the receiver.
    lookups = []
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: lookups.append(a[0]) or real(*a, **k)
    )
    with GelfReceiver(echo=False) as receiver:
        handler = GelfHandler("localhost", receiver.udp_port)
        for number in range(3):
            handler.handle(logging.makeLogRecord({"msg": f"line {number}"}))
        handler.close()
        assert len(receiver.wait_for(3)) == 3
    assert lookups == ["localhost"]


def test_an_ipv6_receiver_gets_its_messages():
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("::1", 0))
        receiver.settimeout(5)
        handler = GelfHandler("::1", receiver.getsockname()[1])
        handler.handle(logging.makeLogRecord({"msg": "over IPv6"}))
        handler.close()
        datagram = receiver.recv(65536)
    assert json.loads(gzip.decompress(datagram))["short_message"] == "over IPv6"


def test_a_refused_app_closes_its_database_connection():
    # Left open, the garbage collector closes it later, in whichever test
    # runs then: a ResourceWarning (an error here) from Python 3.13.
    opened: list[sqlite3.Connection] = []

    def on_connect(connection, record):
        opened.append(connection)

    event.listen(Pool, "connect", on_connect)
    try:
        with pytest.raises(ValueError, match="LOG_FORMAT"):
            create_app("testing", LOG_FORMAT="xml")
    finally:
        event.remove(Pool, "connect", on_connect)
    assert opened, "the data service opened its database"
    still_open = [connection for connection in opened if is_open(connection)]
    for connection in still_open:
        connection.close()
    assert still_open == []


def is_open(connection: sqlite3.Connection) -> bool:
    try:
        connection.execute("SELECT 1").close()
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


@pytest.fixture
def receiver():
    with GelfReceiver(echo=False) as receiver:
        yield receiver


def assert_followed_in_both(receiver, dashboard, request_id: str) -> None:
    """The request's records from both services, by GELF; the dashboard's
    also as JSON lines on its stdout."""
    records = receiver.wait_for(4, request_id=request_id)
    seen = sorted((r["_service"], r["short_message"]) for r in records)
    assert seen == [
        ("dashboard", "GET /dashboard/1 200"),
        ("dashboard", "dashboard of user 1"),
        ("data", "GET /users/1 200"),
        ("data", "GET /users/1/runs 200"),
    ]
    assert {r["_user_id"] for r in records} == {1}
    assert all(r["_duration_ms"] >= 0 for r in records if "_status" in r)
    lines = [
        json.loads(line)
        # Read once the records arrived: a log thread writes them.
        for line in dashboard.output().splitlines()
        if line.startswith("{")
    ]
    assert {"dashboard of user 1", "GET /dashboard/1 200"} <= {
        line["message"] for line in lines if line.get("request_id") == request_id
    }


@pytest.mark.integration
def test_one_request_followed_across_two_processes(receiver, logged_service, tmp_path):
    gelf = {"FLASK_GELF_PORT": str(receiver.udp_port)}
    database = tmp_path / "data.db"
    data = logged_service(
        {
            **gelf,
            **on_sqlite(database),
            # Small chunks: the traceback below travels in several.
            "FLASK_GELF_CHUNK_SIZE": "300",
        }
    )
    dashboard = logged_service(
        {
            **gelf,
            "FLASK_SERVICE_NAME": "dashboard",
            "FLASK_PEER_URL": data.url,
            "FLASK_LOG_FORMAT": "json",
        }
    )
    add_ann(data.url)
    response = get(f"{dashboard.url}/dashboard/1", "follow-me")
    assert response.json() == {
        "user": "ann@runnerly.test",
        "runs": 0,
        "distance": 0,
    }
    assert response.headers["X-Request-ID"] == "follow-me"
    assert_followed_in_both(receiver, dashboard, "follow-me")

    # The database breaks: an unhandled error, its traceback sent whole.
    break_the_database(database)
    broken = get(f"{data.url}/users/1/runs", "broken")
    assert (broken.status_code, broken.json()["status"]) == (500, 500)
    [error] = receiver.wait_for(level="3", request_id="broken")
    assert error["short_message"] == "Exception on /users/1/runs [GET]"
    assert error["full_message"].startswith("Traceback (most recent call last):")
    # Down to its end: the exception, then SQLAlchemy's notes on it.
    text = error["full_message"]
    assert "sqlite3.OperationalError: no such table: runs" in text
    assert text.splitlines()[-1].startswith("(Background on this error at: ")
    assert receiver.stats()["chunked messages"] >= 1


@pytest.mark.integration
def test_a_peer_down_is_a_502_logged_with_the_request_id(
    receiver, logged_service, free_port
):
    dashboard = logged_service(
        {
            "FLASK_GELF_PORT": str(receiver.udp_port),
            "FLASK_PEER_URL": f"http://127.0.0.1:{free_port}",
            "FLASK_PEER_RETRIES": "0",
        }
    )
    response = get(f"{dashboard.url}/dashboard/1", "down")
    assert response.status_code == 502
    assert response.json() == {
        "status": 502,
        "message": "the data service did not answer",
    }
    assert receiver.wait_for(short_message="GET /dashboard/1 502", request_id="down")
