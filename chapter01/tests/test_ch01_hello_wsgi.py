"""The smallest WSGI application: called directly, then served for real."""

import json
import signal
import time
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from chapter01.hello_wsgi import application
from testkit.servers import python_command


def test_application_answers_json_with_the_time():
    environ = {}
    setup_testing_defaults(environ)  # a GET / as a server would pass it
    started = []

    body = b"".join(application(environ, lambda *args: started.append(args)))

    assert started == [("200 OK", [("Content-Type", "application/json")])]
    assert json.loads(body)["time"] == pytest.approx(time.time(), abs=60)


def test_wsgiref_serves_it(server_process):
    server = server_process(python_command("-m", "chapter01.hello_wsgi"))

    response = requests.get(f"{server.url}/", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json()) == {"time"}
    assert f"{server.url}/" in server.output()


def test_ctrl_c_stops_it_quietly(server_process):
    server = server_process(python_command("-m", "chapter01.hello_wsgi"))

    server.process.send_signal(signal.SIGINT)

    assert server.process.wait(timeout=10) == 0
    assert "Traceback" not in server.output()
