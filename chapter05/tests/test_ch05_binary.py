"""The same runs in JSON, MessagePack and protobuf, negotiated by Accept."""

import pytest
import requests

from chapter05.binary_payloads import (
    JSON,
    MSGPACK,
    PROTOBUF,
    RUNS_PROTO,
    Run,
    RunList,
    create_app,
    decode,
    encode,
)
from chapter05.runs import sample_runs


@pytest.fixture
def client():
    return create_app().test_client()


@pytest.mark.parametrize("mimetype", [JSON, MSGPACK, PROTOBUF])
def test_each_format_round_trips(mimetype):
    runs = sample_runs(4)
    assert decode(encode(runs, mimetype), mimetype) == runs


def test_binary_formats_are_smaller():
    runs = sample_runs(20)
    sizes = {m: len(encode(runs, m)) for m in (JSON, MSGPACK, PROTOBUF)}
    assert sizes[PROTOBUF] < sizes[MSGPACK] < sizes[JSON]


def test_protobuf_messages_match_the_schema_text():
    assert list(Run.DESCRIPTOR.fields_by_name) == [
        "id",
        "runner",
        "distance",
        "duration",
        "started",
    ]
    assert RunList.DESCRIPTOR.full_name == "runnerly.RunList"
    for name in Run.DESCRIPTOR.fields_by_name:
        assert f" {name} = " in RUNS_PROTO


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/msgpack", MSGPACK),
        ("application/x-msgpack", MSGPACK),
        ("application/x-protobuf", PROTOBUF),
        ("application/protobuf", PROTOBUF),
        ("application/x-protobuf;q=0.9, application/msgpack", MSGPACK),
    ],
)
def test_accept_picks_the_format(client, accept, mimetype):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/api/runs?count=2", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Vary"] == "Accept"
    assert decode(response.data, mimetype) == sample_runs(2)


def test_unsupported_accept_is_a_json_406(client):
    response = client.get("/api/runs", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert response.json["status"] == 406
    assert "application/msgpack" in response.json["message"]


@pytest.mark.integration
def test_over_http(live_server):
    url = f"{live_server(create_app()).url}/api/runs"
    response = requests.get(url, headers={"Accept": PROTOBUF}, timeout=5)
    assert decode(response.content, response.headers["Content-Type"]) == sample_runs(3)
