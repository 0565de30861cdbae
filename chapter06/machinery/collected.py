"""Ours, beyond the book: what the stand-ins share, an app that keeps what comes.

The OTLP receiver keeps spans, the Sentry sink events: each in a
:class:`Collected` list that request threads add to and read from under one
lock, shown filtered by a ``GET`` (``/spans``, ``/events``). Tests read the
list itself, ``app.extensions[name]``.

    >>> app, kept = stand_in("example", max_body=1024)
    >>> kept.add([{"n": 1}, {"n": 2}]); kept.where(lambda item: item["n"] > 1)
    [{'n': 2}]
"""

import threading
from collections.abc import Callable, Iterable

from flask import Flask

from chapter02.skeleton.errors import register_json_errors


class Collected(list):
    """A list of what came, safe to add to and read from many threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def add(self, items: Iterable[dict]) -> None:
        with self._lock:
            self.extend(items)

    def where(self, keep: Callable[[dict], bool]) -> list[dict]:
        with self._lock:
            return [item for item in self if keep(item)]


def stand_in(name: str, max_body: int) -> tuple[Flask, Collected]:
    """A Flask app with JSON errors and a cap on bodies, and its list, kept
    as ``app.extensions[name]``."""
    app = Flask(name)
    app.config["MAX_CONTENT_LENGTH"] = max_body
    register_json_errors(app)
    kept = app.extensions[name] = Collected()
    return app, kept
