"""Topic pub/sub: a publisher tested on a fake channel, then on RabbitMQ."""

import json
import uuid

import pika
import pytest
from pika.exceptions import UnroutableError

from chapter05.pubsub import (
    EVENTS,
    LOCAL_BROKER,
    Publisher,
    Subscriber,
    broker_url,
    connect,
)


class FakeChannel:
    """Just the pika channel methods Publisher uses, recorded."""

    def __init__(self, unroutable: tuple[str, ...] = ()):
        self.unroutable = unroutable
        self.calls: list[tuple] = []
        self.confirming = False

    def exchange_declare(self, exchange, exchange_type, durable):
        self.calls.append(("exchange_declare", exchange, exchange_type, durable))

    def confirm_delivery(self):
        self.confirming = True

    def basic_publish(self, exchange, routing_key, body, properties, mandatory):
        assert self.confirming, "publishing before confirms are on"
        self.calls.append(("basic_publish", exchange, routing_key, body, properties))
        if mandatory and routing_key in self.unroutable:
            raise UnroutableError([])


def test_publisher_declares_a_durable_topic_exchange():
    channel = FakeChannel()
    Publisher(channel, exchange="events")
    assert channel.calls == [("exchange_declare", "events", "topic", True)]
    assert channel.confirming


def test_publisher_sends_persistent_json():
    channel = FakeChannel()
    assert Publisher(channel).publish("race.started", {"runner": "tarek"})
    _, exchange, key, body, properties = channel.calls[-1]
    assert (exchange, key) == ("runnerly.events", "race.started")
    assert json.loads(body) == {"runner": "tarek"}
    assert properties.delivery_mode == 2
    assert properties.content_type == "application/json"


def test_publisher_reports_unroutable_events():
    channel = FakeChannel(unroutable=("shoe.worn",))
    assert Publisher(channel).publish("shoe.worn", {}) is False


# The same behaviour against the real broker.


class Names:
    """A unique exchange, and the queues a test names after it."""

    def __init__(self) -> None:
        self.exchange = f"test-{uuid.uuid4().hex[:8]}"
        self.queues: list[str] = []

    def queue(self, name: str) -> str:
        self.queues.append(f"{self.exchange}.{name}")
        return self.queues[-1]


@pytest.fixture
def names(rabbitmq_url):
    """A unique exchange and queue prefix; deleted afterwards."""
    made = Names()
    yield made
    with connect(rabbitmq_url) as connection:
        channel = connection.channel()
        for queue in made.queues:
            channel.queue_delete(queue)
        channel.exchange_delete(made.exchange)


@pytest.mark.integration
def test_a_subscriber_down_gets_the_message_when_back(rabbitmq_url, names):
    exchange, queue = names.exchange, names.queue("race-board")
    # The subscriber starts once (declaring its durable queue), then goes down.
    with connect(rabbitmq_url) as connection:
        Subscriber(connection.channel(), queue, ["race.*"], exchange=exchange)

    with connect(rabbitmq_url) as connection:
        publisher = Publisher(connection.channel(), exchange=exchange)
        assert publisher.publish("race.finished", {"runner": "tarek", "time": 2712})
        assert not publisher.publish("training.planned", {"runner": "tarek"})

    with connect(rabbitmq_url) as connection:
        subscriber = Subscriber(connection.channel(), queue, ["race.*"], exchange)
        assert subscriber.waiting() == 1
        assert subscriber.drain(1) == [
            ("race.finished", {"runner": "tarek", "time": 2712})
        ]
    # Acked: with the subscriber gone, the queue is empty. (An unacked message
    # goes back to the queue when its channel closes.)
    with connect(rabbitmq_url) as connection:
        declared = connection.channel().queue_declare(queue, passive=True)
        assert declared.method.message_count == 0


@pytest.mark.integration
def test_each_subscriber_gets_what_it_binds(rabbitmq_url, names):
    exchange = names.exchange
    bindings = {"board": ["race.*"], "coach": ["training.*", "race.finished"]}
    with connect(rabbitmq_url) as connection:
        channel = connection.channel()
        subscribers = {}
        for name, keys in bindings.items():
            subscribers[name] = Subscriber(channel, names.queue(name), keys, exchange)
        publisher = Publisher(connection.channel(), exchange=exchange)
        for key, event in EVENTS:
            publisher.publish(key, event)
        received = {
            name: [key for key, _ in sub.drain(2)] for name, sub in subscribers.items()
        }
        # Nothing more for either of them.
        assert [sub.waiting() for sub in subscribers.values()] == [0, 0]
    assert received == {
        "board": ["race.started", "race.finished"],
        "coach": ["training.planned", "race.finished"],
    }


@pytest.mark.integration
def test_drain_takes_only_what_it_asks_for(rabbitmq_url, names):
    exchange, queue = names.exchange, names.queue("all")
    with connect(rabbitmq_url) as connection:
        subscriber = Subscriber(connection.channel(), queue, ["#"], exchange)
        publisher = Publisher(connection.channel(), exchange=exchange)
        for key, event in EVENTS:
            publisher.publish(key, event)
        # All four are sent ahead (prefetch); the two not asked for go back
        # to the queue, for the next drain.
        assert [key for key, _ in subscriber.drain(2)] == [
            "race.started",
            "training.planned",
        ]
        assert [key for key, _ in subscriber.drain(2)] == [
            "race.finished",
            "shoe.worn",
        ]
        # Nothing left: the deadline ends the wait, with what came.
        assert subscriber.drain(1, timeout=0.2) == []


@pytest.mark.integration
def test_messages_are_persistent_on_the_wire(rabbitmq_url, names):
    exchange, queue = names.exchange, names.queue("raw")
    with connect(rabbitmq_url) as connection:
        channel = connection.channel()
        Subscriber(channel, queue, ["#"], exchange)
        Publisher(connection.channel(), exchange=exchange).publish("race.x", {})
        method, properties, _body = next(
            channel.consume(queue, auto_ack=True, inactivity_timeout=5)
        )
        channel.cancel()
    assert method.routing_key == "race.x"
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value


def test_the_demos_broker_option(monkeypatch):
    monkeypatch.delenv("AMQP_URL", raising=False)
    assert broker_url([], "demo") == LOCAL_BROKER
    monkeypatch.setenv("AMQP_URL", "amqp://env")
    assert broker_url([], "demo") == "amqp://env"
    assert broker_url(["--url", "amqp://option"], "demo") == "amqp://option"


@pytest.mark.integration
def test_persistent_messages_survive_a_broker_restart(rabbitmq_server, names):
    """Durable queue + persistent message: still there after a restart.

    RabbitMQ itself restarts (``stop_app``, ``start_app``): every connection
    drops, every queue process ends, and the queues come back from what was
    on disk. The Erlang runtime under it stays up, which saves the seconds a
    cold start of a broker takes; the messages live in RabbitMQ, not in it.
    """
    exchange, queue = names.exchange, names.queue("board")
    with connect(rabbitmq_server.url) as connection:
        subscriber = Subscriber(connection.channel(), queue, ["race.*"], exchange)
        channel = connection.channel()
        Publisher(channel, exchange=exchange).publish("race.started", {"n": 1})
        # The same, but transient (delivery_mode 1): kept in memory only.
        channel.basic_publish(
            exchange,
            "race.lost",
            b'{"n": 2}',
            properties=pika.BasicProperties(delivery_mode=1),
        )
        assert subscriber.waiting() == 2

    rabbitmq_server.ctl("stop_app")
    try:
        with pytest.raises(pika.exceptions.AMQPConnectionError):
            connect(rabbitmq_server.url)  # down: this is a real stop
    finally:
        rabbitmq_server.ctl("start_app")

    with connect(rabbitmq_server.url) as connection:
        subscriber = Subscriber(connection.channel(), queue, ["race.*"], exchange)
        assert subscriber.waiting() == 1  # the transient one is gone
        assert subscriber.drain(1) == [("race.started", {"n": 1})]
