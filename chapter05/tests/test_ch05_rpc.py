"""RPC over AMQP: reply_to, correlation_id and expiration; a fake, then RabbitMQ."""

import json
import threading
import uuid
from types import SimpleNamespace

import pika
import pytest

from chapter05.rpc import RPCError, StatsClient, StatsServer, handle
from chapter05.runs import runner_stats, sample_runs
from testkit.waiting import wait_until


def test_handle_computes_stats():
    runs = sample_runs(2)
    assert handle({"runner": "tarek", "runs": runs}) == {
        "runner": "tarek",
        **runner_stats(runs),
    }


@pytest.mark.parametrize("request_", [{}, {"runs": "x"}, {"runs": [{"distance": 1}]}])
def test_handle_answers_errors(request_):
    assert "error" in handle(request_)


def test_stats_of_no_runs():
    assert runner_stats([])["pace"] is None


@pytest.fixture
def rpc(rabbitmq_url):
    """A server thread on its own queue, and a client on another connection."""
    queue = f"test-rpc-{uuid.uuid4().hex[:8]}"
    parameters = pika.URLParameters(rabbitmq_url)
    stop = threading.Event()
    server_connection = pika.BlockingConnection(parameters)
    server = StatsServer(server_connection.channel(), queue)
    thread = threading.Thread(target=server.serve, args=(stop,))
    thread.start()
    client_connection = pika.BlockingConnection(parameters)
    yield StatsClient(client_connection.channel(), queue)
    stop.set()
    thread.join()
    client_connection.channel().queue_delete(queue)
    client_connection.close()
    server_connection.close()


@pytest.mark.integration
def test_a_call_gets_its_answer(rpc):
    runs = sample_runs(4, "sarah")
    assert rpc.call("sarah", runs) == {"runner": "sarah", **runner_stats(runs)}
    assert rpc.call("tarek", [])["runs"] == 0  # the next call, the next answer
    assert rpc.pending == set()


@pytest.mark.integration
def test_a_server_error_is_raised(rpc):
    with pytest.raises(RPCError, match="bad run"):
        rpc.call("tarek", [{"distance": 1}])


@pytest.mark.integration
def test_a_non_json_request_gets_an_error(rpc, rabbitmq_url):
    rpc.pending.add("raw")
    rpc.channel.basic_publish(
        "",
        rpc.queue,
        b"not json",
        properties=pika.BasicProperties(reply_to=rpc.reply_to, correlation_id="raw"),
    )

    def answered():
        rpc.channel.connection.process_data_events(time_limit=1)
        return "raw" in rpc.answers

    wait_until(answered, timeout=10, interval=0, what="an answer to the raw request")
    assert rpc.answers["raw"] == {"error": "the request is not JSON"}


@pytest.mark.integration
def test_no_server_means_a_timeout(rabbitmq_url):
    queue = f"test-rpc-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(pika.URLParameters(rabbitmq_url)) as connection:
        client = StatsClient(connection.channel(), queue)
        with pytest.raises(TimeoutError):
            client.call("tarek", [], timeout=0.3)
        assert client.pending == set()
        # A late answer to the abandoned call is dropped, not kept forever.
        client.on_reply(None, None, pika.BasicProperties(correlation_id="old"), b"{}")
        assert client.answers == {}
        # The request expires with the call's timeout: the broker drops it, so
        # a server that starts later does not work for a caller who has gone.
        channel = connection.channel()

        def drained():
            if channel.queue_declare(queue, passive=True).method.message_count:
                connection.process_data_events(time_limit=0.05)
                return False
            return True

        wait_until(
            drained, timeout=10, interval=0, what="the abandoned request to expire"
        )
        channel.queue_delete(queue)


class FakeConnection:
    """Just what StatsClient uses, with a server that answers at once."""

    def __init__(self):
        self.published: list[tuple[str, pika.BasicProperties, dict]] = []
        self.replies: list[tuple[pika.BasicProperties, bytes]] = []
        self.on_reply = None

    def channel(self):
        return FakeChannel(self)

    def process_data_events(self, time_limit):
        while self.replies:
            self.on_reply(None, None, *self.replies.pop(0))


class FakeChannel:
    def __init__(self, connection):
        self.connection = connection

    def queue_declare(self, queue, exclusive=False):
        return SimpleNamespace(method=SimpleNamespace(queue=queue or "amq.gen-1"))

    def basic_consume(self, queue, on_message_callback, auto_ack=False):
        self.connection.on_reply = on_message_callback

    def basic_publish(self, exchange, routing_key, body, properties):
        request = json.loads(body)
        self.connection.published.append((routing_key, properties, request))
        # The server's answer, on its way back to reply_to.
        reply = pika.BasicProperties(correlation_id=properties.correlation_id)
        self.connection.replies.append((reply, json.dumps(handle(request)).encode()))


def test_a_request_carries_reply_to_correlation_id_and_expiration():
    channel = FakeConnection().channel()
    client = StatsClient(channel, "stats")
    assert client.call("tarek", [], timeout=2.5)["runs"] == 0
    [(queue, properties, request)] = channel.connection.published
    assert (queue, request) == ("stats", {"runner": "tarek", "runs": []})
    assert properties.reply_to == "amq.gen-1"
    assert len(properties.correlation_id) == 32
    # Milliseconds, as a string: the broker drops it when the caller gives up.
    assert properties.expiration == "2500"
