"""log_queue.py: records written by a thread of their own, none lost.

At exit, in a forked worker, with a traceback, and with a stream that
closed under the listener.
"""

import io
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

from chapter06.log_queue import LogQueue
from chapter06.tests.helpers import Records
from testkit.servers import ROOT

LAST = 500


@contextmanager
def queued_logger(
    name: str, *handlers: logging.Handler
) -> Iterator[tuple[logging.Logger, LogQueue]]:
    """A logger whose records go through a LogQueue to ``handlers``; the
    queue stopped after."""
    logs = LogQueue()
    for handler in handlers:
        logs.add(handler)
    logger = logging.getLogger(f"test.log_queue.{name}")
    logger.propagate = False
    logger.addHandler(logs.handler)
    try:
        yield logger, logs
    finally:
        logger.removeHandler(logs.handler)
        logs.stop()


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_last_lines_are_written_at_exit():
    # A burst of records, then the process ends at once: the listener's
    # thread is far behind, and the exit must wait for it.
    done = run(
        f"""
        from chapter06.logged_service import create_app

        app = create_app("testing", LOG_FORMAT="json")
        with app.test_request_context("/"):
            for number in range(1, {LAST + 1}):
                app.logger.info("record %s", number)
        app.test_client().get("/users/7", headers={{"X-Request-ID": "last"}})
        """
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["message"] for line in lines[:LAST]] == [
        f"record {number}" for number in range(1, LAST + 1)
    ]
    assert lines[-1]["message"] == "GET /users/7 404"
    assert lines[-1]["request_id"] == "last"
    assert len(lines) == LAST + 1


def test_a_forked_worker_writes_its_own_lines(tmp_path):
    # gunicorn's way with preload_app: the app is made, then the process
    # forks; the listener's thread stays in the parent.
    path = tmp_path / "worker.log"
    done = run(
        f"""
        import os
        from chapter06.json_logs import ConsoleLogs
        from chapter06.log_queue import LogQueue
        from chapter06.logged_service import create_app

        app = create_app("testing", LOG_FORMAT="json")
        ConsoleLogs(app, stream=open({str(path)!r}, "a", buffering=1))
        pid = os.fork()
        if pid == 0:
            app.logger.info("from the worker")
            os._exit(0 if LogQueue.of(app).flush() else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        app.logger.info("from the master")
        """
    )
    assert done.returncode == 0, done.stderr
    lines = path.read_text().splitlines()
    messages = sorted(json.loads(line)["message"] for line in lines)
    assert messages == ["from the master", "from the worker"]


def test_a_traceback_travels_as_text_the_message_stays_short():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    seen = Records()
    with queued_logger("traceback", handler, seen) as (logger, logs):
        try:
            {}["missing"]
        except KeyError:
            logger.exception("lookup of %s failed", "missing")
        assert logs.flush()
    [record] = seen.records
    assert record.getMessage() == "lookup of missing failed"
    assert record.exc_info is None
    assert record.exc_text.startswith("Traceback (most recent call last):")
    assert record.exc_text.endswith("KeyError: 'missing'")
    assert stream.getvalue().startswith("ERROR lookup of missing failed\nTraceback")


def test_a_record_whose_arguments_do_not_fit_is_reported_and_still_written(capsys):
    seen = Records()
    with queued_logger("bad_arguments", seen) as (logger, logs):
        logger.warning("%d runs imported", "twelve")  # the caller's bug
        assert logs.flush()
    [record] = seen.records
    assert record.getMessage() == "%d runs imported ('twelve',)"
    # As logging reports any such call: the caller's line, the error.
    report = capsys.readouterr().err
    assert report.startswith("--- Logging error ---")
    assert "TypeError: %d format: a real number is required, not str" in report


def test_a_closed_stream_does_not_stop_the_listener():
    closed, alive = io.StringIO(), io.StringIO()
    closed.close()
    handlers = logging.StreamHandler(closed), logging.StreamHandler(alive)
    with queued_logger("closed", *handlers) as (logger, logs):
        # Logging's own error report goes to stderr: a closed one here too.
        broken = io.StringIO()
        broken.close()
        original, sys.stderr = sys.stderr, broken
        try:
            logger.warning("first")
            assert logs.flush()
        finally:
            sys.stderr = original
        logger.warning("second")
        assert logs.flush()
    assert alive.getvalue() == "first\nsecond\n"
