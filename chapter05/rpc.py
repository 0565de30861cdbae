"""Book: chapter 5, 'Asynchronous calls' > 'RPC over AMQP'.

A request/response call carried by RabbitMQ instead of HTTP. The client
publishes the request to the server's queue with two properties: ``reply_to``,
its own private queue, and ``correlation_id``, a fresh id. The server
computes, publishes the answer to ``reply_to`` with the same
``correlation_id``, and the client matches answers to calls by that id
(answers to calls that timed out are dropped). The request also carries an
``expiration``, the call's timeout: once the caller has given up, the broker
drops the request rather than hand it to a server.

``python -m chapter05.rpc --url amqp://guest:guest@127.0.0.1:5672/%2F`` runs
a stats server in a thread and calls it.
"""

import json
import threading
import time
import uuid

import pika

from .pubsub import broker_url
from .runs import runner_stats, sample_runs

QUEUE = "runnerly.rpc.stats"


class RPCError(Exception):
    """The server answered with an error."""


def handle(request: dict) -> dict:
    runs = request.get("runs")
    if not isinstance(runs, list):
        return {"error": "send {'runner': ..., 'runs': [...]}"}
    try:
        return {"runner": request.get("runner"), **runner_stats(runs)}
    except (KeyError, TypeError) as error:
        return {"error": f"bad run: {error!r}"}


class StatsServer:
    """Consumes requests from QUEUE, publishes each answer to its reply_to."""

    def __init__(self, channel, queue: str = QUEUE):
        self.channel = channel
        channel.queue_declare(queue)
        channel.basic_qos(prefetch_count=1)  # one request at a time per server
        channel.basic_consume(queue, self.on_request)

    def on_request(self, channel, method, properties, body):
        try:
            answer = handle(json.loads(body))
        except ValueError:
            answer = {"error": "the request is not JSON"}
        channel.basic_publish(
            "",  # the default exchange routes by queue name: straight back
            properties.reply_to,
            json.dumps(answer).encode(),
            properties=pika.BasicProperties(
                correlation_id=properties.correlation_id,
                content_type="application/json",
            ),
        )
        channel.basic_ack(method.delivery_tag)

    def serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.channel.connection.process_data_events(time_limit=0.1)


class StatsClient:
    """``call(runner, runs)`` blocks until the answer comes, or times out."""

    def __init__(self, channel, queue: str = QUEUE):
        self.channel = channel
        self.queue = queue
        channel.queue_declare(queue)  # so a request waits if no server is up
        # A server-named queue only this connection can use, deleted with it.
        self.reply_to = channel.queue_declare("", exclusive=True).method.queue
        channel.basic_consume(self.reply_to, self.on_reply, auto_ack=True)
        self.pending: set[str] = set()
        self.answers: dict[str, dict] = {}

    def on_reply(self, channel, method, properties, body):
        if properties.correlation_id in self.pending:
            self.answers[properties.correlation_id] = json.loads(body)

    def call(self, runner: str, runs: list[dict], timeout: float = 5.0) -> dict:
        correlation_id = uuid.uuid4().hex
        self.pending.add(correlation_id)
        self.channel.basic_publish(
            "",
            self.queue,
            json.dumps({"runner": runner, "runs": runs}).encode(),
            properties=pika.BasicProperties(
                reply_to=self.reply_to,
                correlation_id=correlation_id,
                content_type="application/json",
                # Nobody waits after the timeout: let the broker drop it.
                expiration=str(int(timeout * 1000)),
            ),
        )
        deadline = time.monotonic() + timeout
        try:
            while correlation_id not in self.answers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no answer from {self.queue} in {timeout}s")
                self.channel.connection.process_data_events(time_limit=remaining)
        finally:
            self.pending.discard(correlation_id)
        answer = self.answers.pop(correlation_id)
        if "error" in answer:
            raise RPCError(answer["error"])
        return answer


def demo(url: str, queue: str = QUEUE) -> list[dict]:
    parameters = pika.URLParameters(url)
    stop = threading.Event()
    # One connection per thread: pika's BlockingConnection is not thread-safe.
    with pika.BlockingConnection(parameters) as server_connection:
        server = StatsServer(server_connection.channel(), queue)
        thread = threading.Thread(target=server.serve, args=(stop,))
        thread.start()
        try:
            with pika.BlockingConnection(parameters) as client_connection:
                client = StatsClient(client_connection.channel(), queue)
                answers = [
                    client.call(runner, sample_runs(count, runner))
                    for runner, count in (("tarek", 3), ("sarah", 5))
                ]
        finally:
            stop.set()
            thread.join()
    for answer in answers:
        print(json.dumps(answer, sort_keys=True))
    return answers


def main(argv: list[str] | None = None) -> None:
    demo(broker_url(argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
