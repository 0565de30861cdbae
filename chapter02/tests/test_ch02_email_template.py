"""Text and HTML rendered by Jinja2 (chapter02/email_template.py)."""

import subprocess
import sys

import pytest

from chapter02.email_template import app


@pytest.fixture
def client():
    return app.test_client()


def test_the_text_email_keeps_characters_as_typed(client):
    answer = client.get("/api/email.txt")
    assert answer.mimetype == "text/plain"
    assert answer.text.splitlines() == [
        "Hello Tarek,",
        "",
        "This week you ran 2 times, 31.3 km in all:",
        "",
        '- 2017-03-06: 10.2 km, "Morning run"',
        '- 2017-03-08: 21.1 km, "<b>Half</b> & happy"',
        "",
        "Keep it up!",
        "-- Runnerly",
    ]


def test_the_html_email_escapes_user_data(client):
    answer = client.get("/api/email.html")
    assert answer.mimetype == "text/html"
    assert "&lt;b&gt;Half&lt;/b&gt; &amp; happy" in answer.text
    assert "<b>" not in answer.text


def test_an_unknown_kind_is_a_json_404(client):
    answer = client.get("/api/email.pdf")
    assert answer.status_code == 404
    assert answer.json["message"] == "kinds are txt and html"


def test_one_run_is_not_plural():
    with app.app_context():
        from chapter02.email_template import weekly_email

        week = {"user": {"name": "Ann"}, "runs": [{"date": "d", "km": 5, "title": "t"}]}
        assert "you ran 1 time, 5.0 km" in weekly_email("txt", week)


def test_the_module_prints_the_text_email():
    printed = subprocess.run(
        [sys.executable, "-m", "chapter02.email_template"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.startswith("Hello Tarek,\n")
