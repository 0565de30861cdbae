"""Book: chapter 1, 'The WSGI standard'.

The service as a bare WSGI callable, served by the standard library's
``wsgiref`` server: one process, one thread, one request at a time.

WSGI is synchronous by design: the server calls ``application(environ,
start_response)`` and the worker is busy until it returns. While one request
waits (on a database, another service), every other client waits in the
kernel's accept queue. Production WSGI servers (Gunicorn, uWSGI, mod_wsgi)
buy concurrency with more processes and threads, not with a different API.

Run: ``python -m chapter01.wsgi_service``
"""

import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from chapter01.payload import banner, listen_port, respond


def make_app(server: str = "wsgi"):
    """A WSGI application whose answers say which ``server`` ran it.

    A factory rather than one global callable, so that
    :mod:`chapter01.gevent_service` serves this very code under its own name.
    """

    def application(environ, start_response):
        response = respond(environ["REQUEST_METHOD"], environ["PATH_INFO"], server)
        start_response(response.status_line, response.all_headers())
        return [response.body]

    return application


application = make_app()


class BacklogServer(WSGIServer):
    # socketserver listens with a backlog of 5; clients beyond it would wait
    # for a SYN retry (a second) instead of queueing behind the one thread.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        # One stderr line per request would cost more than the request itself
        # under the benchmark; the other servers do not log either.
        pass


def stop(signum, frame):
    # SystemExit unwinds serve_forever() and the with block closes the
    # socket; coverage and other atexit hooks then run as on a normal exit.
    sys.exit(0)


def main() -> None:
    port = listen_port()
    # Both signals are handled before the port opens: whoever sees it open
    # may stop the server at once.
    signal.signal(signal.SIGTERM, stop)
    try:
        with make_server(
            "127.0.0.1",
            port,
            application,
            server_class=BacklogServer,
            handler_class=QuietHandler,
        ) as httpd:
            print(banner("wsgi", port), flush=True)
            httpd.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl-C: a normal way to stop


if __name__ == "__main__":
    main()
