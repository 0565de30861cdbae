"""Book: chapter 6, "Centralizing logs": errors mailed, at most one a while.

The book's first way to hear about errors: ``logging.handlers.SMTPHandler``
mails each record of level ERROR (an unhandled exception, with its
traceback). A loop of errors must not send a thousand mails, so the handler
sends at most one per ``ERROR_MAIL_INTERVAL`` seconds and says, in the next
one, how many it held back.

Settings: ``ERROR_MAIL_TO`` (addresses, comma-separated; none: no mails),
``ERROR_MAIL_FROM``, ``MAIL_SERVER`` / ``MAIL_PORT`` (``127.0.0.1:25``),
``ERROR_MAIL_INTERVAL`` (60)::

    >>> import logging
    >>> handler = RateLimitedSMTPHandler(
    ...     ("127.0.0.1", 25), "a@runnerly.test", ["b@runnerly.test"], "error",
    ...     interval=60, clock=lambda: 0.0)
    >>> sent = []  # instead of SMTP, here
    >>> handler.send = lambda record: sent.append(handler.getSubject(record))
    >>> for _ in range(1000):
    ...     _ = handler.handle(logging.makeLogRecord({"msg": "boom", "levelno": 40}))
    >>> sent, handler.held_back
    (['error: boom'], 999)
"""

import logging
import threading
import time
from logging.handlers import SMTPHandler

from flask import Flask

from .request_logs import RequestLogs

MAIL_FORMAT = """\
%(asctime)s %(levelname)s in %(service)s, request %(request_id)s

%(message)s
"""


class RateLimitedSMTPHandler(SMTPHandler):
    """``SMTPHandler`` sending at most one mail per ``interval`` seconds."""

    def __init__(self, *args, interval: float, clock=time.monotonic, **kwargs):
        super().__init__(*args, **kwargs)
        self.interval = interval
        self.clock = clock
        self.last_sent: float | None = None
        self.held_back = 0  # records not mailed since the last mail
        self.held_back_before = 0  # ... and before the mail being sent
        self.limit_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.limit_lock:
            now = self.clock()
            if self.last_sent is not None and now - self.last_sent < self.interval:
                self.held_back += 1
                return
            self.last_sent = now
            self.held_back_before, self.held_back = self.held_back, 0
        self.send(record)

    def send(self, record: logging.LogRecord) -> None:
        super().emit(record)

    def getSubject(self, record: logging.LogRecord) -> str:
        subject = f"{self.subject}: {record.getMessage()}".splitlines()[0][:150]
        if self.held_back_before:
            subject += f" (and {self.held_back_before} more held back)"
        return subject


class ErrorEmails:
    """The Flask extension: mails the app's errors to ``ERROR_MAIL_TO``."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        config = app.config
        config.setdefault("ERROR_MAIL_TO", "")
        config.setdefault("ERROR_MAIL_FROM", "errors@runnerly.test")
        config.setdefault("MAIL_SERVER", "127.0.0.1")
        config.setdefault("MAIL_PORT", 25)
        config.setdefault("ERROR_MAIL_INTERVAL", 60)
        recipients = [
            address.strip()
            for address in str(config["ERROR_MAIL_TO"]).split(",")
            if address.strip()
        ]
        if not recipients:
            return
        service = config.get("SERVICE_NAME", app.name)
        handler = RateLimitedSMTPHandler(
            (config["MAIL_SERVER"], int(config["MAIL_PORT"])),
            config["ERROR_MAIL_FROM"],
            recipients,
            f"[{service}] error",
            interval=float(config["ERROR_MAIL_INTERVAL"]),
            timeout=5.0,  # a mail server that hangs must not hang the request
        )
        handler.setLevel(logging.ERROR)
        handler.setFormatter(
            logging.Formatter(MAIL_FORMAT, defaults={"request_id": "-"})
        )
        RequestLogs.add_handler(app, handler)
