"""Ours, beyond the book: log records leave the request through a queue.

Writing a log line costs a request a format, a write and, for a stream, a
flush per line; sending a GELF datagram costs a dict of every field, JSON,
zlib and a ``sendto``. None of it needs the request: the stdlib's
``QueueHandler`` only puts the record on a queue (the request's part: the
message made, a traceback turned to text), and a ``QueueListener`` thread
hands it to the real handlers. Ours also works in batches: the thread
takes all the queue holds, hands it to each handler in turn and flushes it
once, not after every line. A quiet service's records leave one by one, at
once (the records of one request, across services, arrive in the order
they were logged); once a batch holds more than one, the service is busy,
and the thread waits :data:`BATCH_DELAY` before it takes the next: a
thousand lines a second cost twenty wake-ups and twenty ``write`` calls,
not a thousand of each (waking a thread costs far more than queuing).

Nothing queued is lost when the process ends normally: the listener is
stopped at exit (``atexit``), which handles what is left. A forked worker
(gunicorn's, after the app was made in the master) starts a listener of its
own. :meth:`LogQueue.flush` waits until what was logged so far is written::

    >>> import io, logging
    >>> stream = io.StringIO()
    >>> logs = LogQueue()
    >>> logs.add(logging.StreamHandler(stream))
    >>> logger = logging.getLogger("demo.queue")
    >>> logger.addHandler(logs.handler)
    >>> logger.warning("written by the listener's thread")
    >>> logs.flush()
    True
    >>> stream.getvalue()
    "written by the listener's thread\\n"
    >>> logger.removeHandler(logs.handler)
    >>> logs.stop()
"""

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from logging.handlers import QueueHandler, QueueListener

from flask import Flask

from .request_logs import RequestLogs

KEY = "log_queue"
# How long a busy service's records wait for the others of their batch.
BATCH_DELAY = 0.05
# How long flush() waits for the listener: a handler stuck on a dead
# network share must not hang the caller for ever.
FLUSH_TIMEOUT = 5.0


class QueuedHandler(QueueHandler):
    """The request's side: a copy of the record, ready for another thread."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The stdlib's prepare() formats the whole record here, traceback
        # included, and makes that the message: GELF would get the
        # traceback as its short message. Ours keeps message and traceback
        # apart, as the handlers expect them, and leaves the formatting to
        # the listener. A copy: other handlers of the logger (Sentry's) see
        # the record untouched; a shallow one, as copy.copy() would make,
        # without its round trip through __reduce_ex__.
        queued = logging.LogRecord.__new__(logging.LogRecord)
        queued.__dict__.update(record.__dict__)
        try:
            message = record.getMessage()  # now: args may change later
        except Exception:
            # Arguments that do not fit the format (the caller's bug):
            # logging's report of it, and the record still goes, as written.
            self.handleError(record)
            message = f"{record.msg} {record.args!r}"
        queued.msg = queued.message = message
        queued.args = None
        if record.exc_info:
            # A traceback holds the request's frames: text only leaves.
            queued.exc_text = record.exc_text or _formatter.formatException(
                record.exc_info
            )
            queued.exc_info = None
        return queued


_formatter = logging.Formatter()


class BatchListener(QueueListener):
    """Takes what the queue holds at once; each handler gets it all, then a flush.

    Handler by handler: the lines of a batch are written and flushed to the
    first handler (the stream) before the second (GELF) sends them.
    """

    def __init__(self, queue_):
        super().__init__(queue_, respect_handler_level=True)
        self.stopping = False
        self.busy = False

    def dequeue(self, block: bool):
        if self.stopping:
            self.stopping = False
            return self._sentinel
        first = self.queue.get()  # asleep until something comes
        if self.busy and isinstance(first, logging.LogRecord):
            time.sleep(BATCH_DELAY)  # let the rest of the burst join it
        batch = [first]
        while not self.queue.empty():
            batch.append(self.queue.get())
        if any(item is self._sentinel for item in batch):  # stop(): last batch
            batch = batch[: batch.index(self._sentinel)]
            self.stopping = True
        self.busy = sum(isinstance(item, logging.LogRecord) for item in batch) > 1
        return batch

    def handle(self, batch: list) -> None:
        records = [item for item in batch if isinstance(item, logging.LogRecord)]
        for handler in self.handlers:
            for record in records:
                if record.levelno >= handler.level:
                    try:
                        handler.handle(record)
                    except Exception:  # noqa: S110
                        # Its handleError could not report it (stderr
                        # closed): the thread goes on, or later records die.
                        pass
            try:
                handler.flush()
            except (OSError, ValueError):  # a closed or broken stream
                pass
        for item in batch:
            if isinstance(item, threading.Event):  # flush()'s marker
                item.set()


class LogQueue:
    """A queue, its ``handler`` for loggers, and the listener's thread."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.handler = QueuedHandler(self.queue)
        self.listener = BatchListener(self.queue)
        self.listener.start()
        me = weakref.ref(self)
        # Weak: exit does not keep a dropped app's queue (a test's) alive;
        # its thread sleeps on the empty queue until then.
        atexit.register(lambda: (queue_ := me()) and queue_.stop())
        os.register_at_fork(after_in_child=lambda: (queue_ := me()) and queue_.forked())

    @classmethod
    def of(cls, app: Flask) -> "LogQueue":
        """The app's queue, made and put on ``app.logger`` the first time."""
        if app.extensions.get(KEY) is None:
            app.extensions[KEY] = cls()
            RequestLogs.add_handler(app, app.extensions[KEY].handler)
        return app.extensions[KEY]

    def add(self, handler: logging.Handler) -> None:
        """Have the listener's thread pass the records to ``handler`` too."""
        self.listener.handlers = (*self.listener.handlers, handler)

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> bool:
        """Wait until what was queued so far is handled and flushed."""
        if self.listener._thread is None:
            return True
        done = threading.Event()
        self.queue.put(done)
        return done.wait(timeout)

    def stop(self) -> None:
        """Handle what is left, flush, and end the listener's thread."""
        if self.listener._thread is not None:
            self.listener.stop()

    def forked(self) -> None:
        # The listener's thread stayed in the parent, and so do the records
        # queued before the fork (the parent writes them): a new queue and
        # a new thread here.
        self.queue = self.handler.queue = self.listener.queue = queue.SimpleQueue()
        self.listener._thread = None
        self.listener.stopping = False
        self.listener.start()


class LineStreamHandler(logging.StreamHandler):
    """A ``StreamHandler`` that leaves the flush to its listener."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.stream, "closed", False):
            # Closed before the thread came to it (a test's captured stdout,
            # a process tearing down): nowhere to write, nothing to report.
            return
        try:
            self.stream.write(self.format(record) + self.terminator)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)
