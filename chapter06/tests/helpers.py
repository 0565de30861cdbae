"""What chapter 6's tests of the logged service share: a data service on a
SQLite file of the test's, a runner in it, requests that carry an
``X-Request-ID``, the database broken under the service, and a handler that
keeps the records it gets."""

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import requests
from flask import Flask

from testkit.servers import LiveServer

ANN = {"email": "ann@runnerly.test"}


class Records(logging.Handler):
    """Keeps the records it handles, in ``records``."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def on_sqlite(database: Path) -> dict[str, str]:
    """The logged service's setting for a database in that file."""
    return {"FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}


def add_ann(url: str) -> None:
    """Ann, user 1 of the data service at ``url``."""
    assert requests.post(f"{url}/users", json=ANN, timeout=5).ok


def get(url: str, request_id: str) -> requests.Response:
    """``GET url`` as a request the service follows by its id."""
    return requests.get(url, headers={"X-Request-ID": request_id}, timeout=5)


def break_the_database(database: Path) -> None:
    """Drop the runs table: the next read of runs is an unhandled error."""
    connection = sqlite3.connect(database)
    connection.execute("DROP TABLE runs")
    connection.close()


def assert_refused(app, response, status: int, message: str) -> None:
    """A stand-in's answer to a body it cannot read: the repository's JSON
    error, and nothing kept (``app.extensions`` holds what it keeps)."""
    assert (response.status_code, response.json) == (
        status,
        {"status": status, "message": message},
    )
    assert all(kept == [] for kept in app.extensions.values() if isinstance(kept, list))


def served(app: Flask, kept: str) -> Iterator[tuple[LiveServer, list]]:
    """A fixture's body: a stand-in served live, with the list it keeps."""
    with LiveServer(app) as server:
        yield server, app.extensions[kept]
