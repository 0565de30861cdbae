"""Flask's first application (chapter02/flask_basic.py)."""

import sys

import pytest
import requests

from chapter02.flask_basic import app


def test_the_view_answers_json():
    answer = app.test_client().get("/api")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.json == {"Hello": "World!"}


def test_the_url_map_routes_get_api_to_the_view():
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/api", method="GET") == ("my_microservice", {})


def test_its_errors_are_still_flasks_html_pages():
    # Why every later example registers JSON errors (skeleton/errors.py).
    answer = app.test_client().get("/nowhere")
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"


@pytest.mark.integration
def test_python_flask_basic_py_serves_as_the_book_says(server_process):
    # The book's command: the file run as a script, app.run() at its end.
    server = server_process([sys.executable, "chapter02/flask_basic.py"])
    answer = requests.get(f"{server.url}/api", timeout=5)
    assert answer.json() == {"Hello": "World!"}
