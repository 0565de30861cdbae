"""The GELF receiver: plain, zlib, gzip, chunks; bad datagrams dropped."""

import gzip
import json
import logging
import os
import zlib

import graypy
import pytest
import requests
from graypy.handler import GELFTruncatingChunker

from chapter06.machinery.gelf_receiver import CHUNK_MAGIC, GelfReceiver

MESSAGE = {"version": "1.1", "host": "test", "short_message": "hello", "_n": 1}


def packed(message=MESSAGE) -> bytes:
    return json.dumps(message).encode()


def chunks(payload: bytes, size: int, message_id: bytes = b"12345678") -> list:
    parts = [payload[i : i + size] for i in range(0, len(payload), size)]
    return [
        CHUNK_MAGIC + message_id + bytes([number, len(parts)]) + part
        for number, part in enumerate(parts)
    ]


@pytest.fixture
def receiver():
    return GelfReceiver(echo=False, chunk_timeout=5.0)


@pytest.mark.parametrize(
    "encode", [lambda b: b, zlib.compress, gzip.compress], ids=["plain", "zlib", "gzip"]
)
def test_a_whole_message_in_any_encoding(receiver, encode):
    receiver.handle_datagram(encode(packed()))
    assert receiver.search() == [MESSAGE]
    assert receiver.stats()["dropped"] == {}


def test_chunks_are_put_back_together_in_any_order(receiver):
    big = {**MESSAGE, "full_message": os.urandom(3000).hex()}
    parts = chunks(zlib.compress(packed(big)), 500)
    assert len(parts) > 2
    for part in reversed(parts):
        receiver.handle_datagram(part)
    assert receiver.search(n="1") == [big]
    assert receiver.stats()["chunked messages"] == 1


def test_an_incomplete_message_is_dropped_after_the_time_limit():
    now = [100.0]
    receiver = GelfReceiver(echo=False, chunk_timeout=5.0, clock=lambda: now[0])
    first, *_ = chunks(packed({**MESSAGE, "full_message": "x" * 1000}), 300)
    receiver.handle_datagram(first)
    now[0] = 105.0
    assert receiver.stats()["incomplete"] == 1
    now[0] = 105.1
    receiver.handle_datagram(zlib.compress(packed()))
    stats = receiver.stats()
    assert stats["incomplete"] == 0
    assert stats["dropped"] == {"incomplete (chunks missing)": 1}
    assert receiver.search() == [MESSAGE]


def bomb() -> bytes:
    return zlib.compress(b'{"short_message": "' + b"a" * 5_000_000 + b'"}')


@pytest.mark.parametrize(
    "datagram, reason",
    [
        (b"", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2]", "not GELF"),
        (b'{"version": "1.1"}', "not GELF"),
        (b'{"short_message": 3}', "not GELF"),
        (b"[" * 100_000, "not JSON"),
        (b"\x78\x9c broken", "bad compression"),
        (zlib.compress(packed())[:-3], "bad compression"),
        (gzip.compress(packed(), mtime=0)[:10], "bad compression"),
        (bomb(), "too large"),
        (CHUNK_MAGIC + b"short", "bad chunk header"),
        (CHUNK_MAGIC + b"12345678" + bytes([0, 0]) + b"x", "bad chunk header"),
        (CHUNK_MAGIC + b"12345678" + bytes([2, 2]) + b"x", "bad chunk header"),
        (CHUNK_MAGIC + b"12345678" + bytes([0, 129]) + b"x", "bad chunk header"),
    ],
)
def test_a_bad_datagram_is_counted_and_dropped(receiver, datagram, reason):
    receiver.handle_datagram(datagram)
    assert receiver.stats()["dropped"] == {reason: 1}
    receiver.handle_datagram(packed())  # and the next one still arrives
    assert receiver.search() == [MESSAGE]


def test_chunks_that_disagree_on_their_count_are_dropped(receiver):
    receiver.handle_datagram(CHUNK_MAGIC + b"12345678" + bytes([0, 2]) + b"{")
    receiver.handle_datagram(CHUNK_MAGIC + b"12345678" + bytes([1, 3]) + b"}")
    assert receiver.stats()["dropped"] == {"inconsistent chunk count": 1}
    assert receiver.stats()["incomplete"] == 0


def test_search_compares_fields_as_text_with_or_without_underscore(receiver):
    receiver.handle_datagram(packed())
    assert receiver.search(n="1", host="test") == [MESSAGE]
    assert receiver.search(_n="1") == [MESSAGE]
    assert receiver.search(n="2") == []
    assert receiver.search(missing="1") == []


def test_received_messages_are_printed_as_json_lines(capsys):
    GelfReceiver().handle_datagram(packed())
    assert json.loads(capsys.readouterr().out) == MESSAGE


@pytest.mark.integration
def test_graypy_over_udp_and_the_search_api():
    with GelfReceiver(http_port=0, echo=False) as receiver:
        logger = logging.getLogger("test_ch06.gelf")
        handler = graypy.GELFUDPHandler(
            "127.0.0.1",
            receiver.udp_port,
            gelf_chunker=GELFTruncatingChunker(chunk_size=200),
        )
        logger.addHandler(handler)
        try:
            logger.error("big", extra={"request_id": "r-1", "blob": "x" * 3000})
        finally:
            logger.removeHandler(handler)
            handler.close()
        [message] = receiver.wait_for(request_id="r-1")
        assert message["_blob"] == "x" * 3000
        api = f"http://127.0.0.1:{receiver.http_port}"
        found = requests.get(f"{api}/messages", params={"request_id": "r-1"}, timeout=5)
        assert found.json() == [message]
        stats = requests.get(f"{api}/stats", timeout=5).json()
        assert stats["chunked messages"] == 1 and stats["messages"] == 1
        twice = requests.get(f"{api}/messages?a=1&a=2", timeout=5)
        assert twice.status_code == 400
        assert twice.json() == {"status": 400, "message": "Give each field once."}
        assert requests.get(f"{api}/nothing", timeout=5).json()["status"] == 404
        assert requests.delete(f"{api}/messages", timeout=5).status_code == 204
        assert receiver.search() == []
