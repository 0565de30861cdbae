"""Error e-mails: errors only, rate-limited, to a real SMTP sink (aiosmtpd)."""

import logging
from email import message_from_bytes

import pytest
import requests
from aiosmtpd.controller import Controller

from chapter06.error_emails import RateLimitedSMTPHandler
from chapter06.tests.helpers import add_ann, break_the_database, get, on_sqlite
from testkit.ports import free_port


class Sink:
    """An aiosmtpd handler that keeps the mails it is given."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink()
    # An explicit port: with port 0 its ready check cannot find the server.
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def handler(port: int, clock) -> RateLimitedSMTPHandler:
    return RateLimitedSMTPHandler(
        ("127.0.0.1", port),
        "errors@runnerly.test",
        ["ops@runnerly.test"],
        "[data] error",
        interval=60,
        clock=clock,
    )


@pytest.mark.integration
def test_one_mail_per_interval_and_the_next_counts_the_others(smtp):
    sink, port = smtp
    now = [0.0]
    mailer = handler(port, lambda: now[0])
    for number in range(5):
        mailer.handle(logging.makeLogRecord({"msg": f"boom {number}", "levelno": 40}))
    assert [mail["Subject"] for _, mail in sink.mails] == ["[data] error: boom 0"]
    now[0] = 60.0
    mailer.handle(logging.makeLogRecord({"msg": "boom 5", "levelno": 40}))
    assert sink.mails[-1][1]["Subject"] == (
        "[data] error: boom 5 (and 4 more held back)"
    )
    assert len(sink.mails) == 2


@pytest.mark.integration
def test_the_service_mails_an_unhandled_error_once(smtp, logged_service, tmp_path):
    sink, port = smtp
    database = tmp_path / "data.db"
    service = logged_service(
        {
            **on_sqlite(database),
            "FLASK_ERROR_MAIL_TO": "ops@runnerly.test, dev@runnerly.test",
            "FLASK_MAIL_PORT": str(port),
        }
    )
    add_ann(service.url)
    assert requests.get(f"{service.url}/users/9", timeout=5).status_code == 404
    assert sink.mails == []  # a 404 is no error of ours
    break_the_database(database)
    for number in range(3):  # a loop of errors...
        response = get(f"{service.url}/users/1/runs", f"err-{number}")
        assert response.status_code == 500
    # ... one mail: SMTPHandler sends before the error response leaves.
    [(recipients, mail)] = sink.mails
    assert recipients == ["ops@runnerly.test", "dev@runnerly.test"]
    assert mail["Subject"] == "[data] error: Exception on /users/1/runs [GET]"
    body = mail.get_payload()
    assert "ERROR in data, request err-0" in body
    assert "no such table: runs" in body
