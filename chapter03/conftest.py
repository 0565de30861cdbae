"""Chapter 3 fixtures: the proxy, in process or live, with a fake tracker.

``testapp`` is the book's trick: the functional tests talk to a WebTest
``TestApp``, which wraps either the WSGI app itself, or a URL. Parametrized
both ways, every functional test runs twice: once in process, through
Flask-WebTest's ``TestApp``, once over real HTTP against the proxy served by
waitress in its own process (marked ``integration``).
``HTTP_SERVER=http://host:port`` points the second run at a proxy that is
already running instead, as in the book.
"""

import os
import sys

import flask_webtest
import pytest
import webtest

from chapter03.machinery import fake_tracker
from chapter03.tracker import create_app
from testkit.ports import free_port
from testkit.servers import python_command

# Past this, a call to the tracker is a 504: well under the fake's slow bug.
TIMEOUT = 0.5


@pytest.fixture
def fake_tracker_url(live_server) -> str:
    """A fresh fake tracker in a thread of this process."""
    # Its slow bug answers well after the proxy gave up on it, yet soon:
    # Flask-WebTest listens to every app's signals while a request runs, and a
    # late answer from this thread would land in a later test's request.
    return live_server(fake_tracker.create_app(slow_seconds=4 * TIMEOUT)).url


@pytest.fixture
def app(fake_tracker_url):
    return create_app(
        "testing", TRACKER_API_URL=fake_tracker_url, TRACKER_TIMEOUT=TIMEOUT
    )


@pytest.fixture
def live_proxy_url(server_process) -> str:
    """The proxy under waitress (a production WSGI server) and the fake
    tracker, each in its own process, talking over real HTTP."""
    tracker = server_process(python_command("-m", "chapter03.machinery.fake_tracker"))
    port = free_port()
    command = [
        sys.executable, "-m", "waitress",
        "--host=127.0.0.1", f"--port={port}",
        "--call", "chapter03.tracker:create_app",
    ]  # fmt: skip
    env = {"FLASK_TRACKER_API_URL": tracker.url, "FLASK_TRACKER_TIMEOUT": str(TIMEOUT)}
    return server_process(command, port=port, env=env).url


@pytest.fixture
def flask_testapp(app) -> flask_webtest.TestApp:
    """WebTest on the app in process, with what Flask-WebTest adds: each
    response carries the Flask session as the request left it
    (``response.session``), the flashed messages and the templates rendered."""
    return flask_webtest.TestApp(app)


# Both start a server: in process, the fake tracker answers over real HTTP
# from a thread (timeouts and refused connections are real).
@pytest.fixture(
    params=[
        pytest.param("in-process", marks=pytest.mark.integration),
        pytest.param("live", marks=pytest.mark.integration),
    ]
)
def testapp(request) -> webtest.TestApp:
    if request.param == "in-process":
        return request.getfixturevalue("flask_testapp")
    url = os.environ.get("HTTP_SERVER") or request.getfixturevalue("live_proxy_url")
    # A URL makes WebTest a client over HTTP (through WSGIProxy2).
    return webtest.TestApp(url)
