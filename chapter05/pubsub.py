"""Book: chapter 5, 'Asynchronous calls' > 'Topic queues' and 'Publish/subscribe'.

Services publish events to a RabbitMQ *topic* exchange with a dotted routing
key (``race.started``, ``training.planned``...) and do not know who listens.
Each subscriber owns a queue and binds it with the patterns it cares about
(``race.*``: any one word after ``race.``; ``#``: everything), so one event
reaches every interested subscriber, and each gets its own copy.

Nothing is lost when a subscriber is down: its queue is *durable* (it
survives the broker restarting), messages are *persistent*
(``delivery_mode=2``: written to disk), and the publisher uses *publisher
confirms*, so ``publish`` returns only once the broker has taken
responsibility for the message. A subscriber that comes back finds what
was published meanwhile waiting in its queue.

``python -m chapter05.pubsub --url amqp://guest:guest@127.0.0.1:5672/%2F``
runs the demo: three subscribers, a few events, what each one received.
"""

import argparse
import json
import os
import time

import pika
from pika.exceptions import UnroutableError

EXCHANGE = "runnerly.events"


def connect(url: str) -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(url))


class Publisher:
    """Publishes JSON events; ``publish`` is True once a queue holds it."""

    def __init__(self, channel, exchange: str = EXCHANGE):
        self.channel = channel
        self.exchange = exchange
        # Declaring is idempotent: whoever starts first creates it.
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        # From now on basic_publish waits for the broker's ack, and raises
        # if the broker refuses (nack) or cannot route a mandatory message.
        channel.confirm_delivery()

    def publish(self, routing_key: str, event: dict) -> bool:
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,  # 2: survives restarts
        )
        try:
            self.channel.basic_publish(
                self.exchange,
                routing_key,
                json.dumps(event).encode(),
                properties=properties,
                # Unroutable (no queue bound for the key): tell us, don't drop.
                mandatory=True,
            )
        except UnroutableError:
            return False  # nobody subscribes to this key (yet)
        return True


class Subscriber:
    """A named durable queue bound to the routing keys one service wants."""

    def __init__(self, channel, name: str, keys: list[str], exchange: str = EXCHANGE):
        self.channel = channel
        self.queue = name
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        channel.queue_declare(name, durable=True)
        for key in keys:
            channel.queue_bind(name, exchange, routing_key=key)
        # Unacked messages in flight at once: the rest wait in the queue.
        channel.basic_qos(prefetch_count=10)

    def waiting(self) -> int:
        """How many messages wait in the queue, not yet delivered to anyone."""
        declared = self.channel.queue_declare(self.queue, passive=True)
        return declared.method.message_count

    def drain(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict]]:
        """The next ``count`` messages, waiting for them at most ``timeout`` s.

        It returns as soon as ``count`` have come; fewer only if the deadline
        passes first. Messages beyond ``count`` stay in the queue.
        """
        events: list[tuple[str, dict]] = []

        def on_message(channel, method, _properties, body):
            if len(events) >= count:
                # Sent ahead (prefetch) but not asked for: back to the queue.
                channel.basic_nack(method.delivery_tag, requeue=True)
                return
            events.append((method.routing_key, json.loads(body)))
            # Ack after handling: a subscriber that dies before this line
            # gets the message again when it comes back.
            channel.basic_ack(method.delivery_tag)

        tag = self.channel.basic_consume(self.queue, on_message)
        deadline = time.monotonic() + timeout
        try:
            while len(events) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # Returns as soon as a message has been handled.
                self.channel.connection.process_data_events(time_limit=remaining)
        finally:
            # pika requeues what arrived but was not handed to on_message.
            self.channel.basic_cancel(tag)
        return events


SUBSCRIBERS = {
    "race-board": ["race.*"],
    "coach": ["training.*", "race.finished"],
    "archive": ["#"],
}

EVENTS = [
    ("race.started", {"race": "Paris 10k", "runner": "tarek"}),
    ("training.planned", {"runner": "tarek", "distance": 8000}),
    ("race.finished", {"race": "Paris 10k", "runner": "tarek", "time": 2712}),
    ("shoe.worn", {"runner": "tarek"}),
]


def demo(url: str, prefix: str = "demo") -> dict[str, list[tuple[str, dict]]]:
    """Publish EVENTS to SUBSCRIBERS; return what each one received."""
    with connect(url) as connection:
        channel = connection.channel()
        subscribers = {
            name: Subscriber(channel, f"{prefix}.{name}", keys)
            for name, keys in SUBSCRIBERS.items()
        }
        for subscriber in subscribers.values():
            channel.queue_purge(subscriber.queue)  # leftovers of an earlier run
        publisher = Publisher(connection.channel())
        for key, event in EVENTS:
            routed = publisher.publish(key, event)
            print(f"published {key:<17} {'routed' if routed else 'no subscriber'}")
        # publish() returned once the broker had queued each event (publisher
        # confirms), so each queue's count is what its subscriber will get.
        received = {name: sub.drain(sub.waiting()) for name, sub in subscribers.items()}
        for subscriber in subscribers.values():
            channel.queue_delete(subscriber.queue)  # a demo leaves nothing behind
    for name, events in received.items():
        keys = ", ".join(key for key, _ in events)
        print(f"{name:<10} ({' '.join(SUBSCRIBERS[name])}) got: {keys}")
    return received


LOCAL_BROKER = "amqp://guest:guest@127.0.0.1:5672/%2F"


def broker_url(argv: list[str] | None, description: str) -> str:
    """The AMQP demos' one option: ``--url``, else AMQP_URL, else a local install."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default=os.environ.get("AMQP_URL", LOCAL_BROKER))
    return parser.parse_args(argv).url


def main(argv: list[str] | None = None) -> None:
    demo(broker_url(argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
