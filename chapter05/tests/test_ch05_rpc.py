"""RPC over AMQP: reply_to + correlation_id, against the real broker."""

import subprocess
import threading
import time
import uuid

import pika
import pytest

from chapter05.rpc import RPCError, StatsClient, StatsServer, handle, main
from chapter05.runs import runner_stats, sample_runs
from testkit.servers import python_command


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
    deadline = time.monotonic() + 10
    while "raw" not in rpc.answers:
        assert time.monotonic() < deadline, "no answer to the raw request"
        rpc.channel.connection.process_data_events(time_limit=1)
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
        connection.channel().queue_delete(queue)


@pytest.mark.integration
def test_the_demo_runs_in_process(rabbitmq_url, capsys):
    main(["--url", rabbitmq_url])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split('"runner": ')[1][:7] for line in lines] == ['"tarek"', '"sarah"']


@pytest.mark.integration
def test_the_demo_command(rabbitmq_url):
    result = subprocess.run(
        python_command("-m", "chapter05.rpc", "--url", rabbitmq_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert '"runner": "sarah"' in result.stdout
