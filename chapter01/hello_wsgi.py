"""Book: chapter 1, 'The WSGI standard': the smallest WSGI application.

A WSGI application is a callable taking the request as a dict (``environ``)
and a function to start the response with; it returns the body as an
iterable of bytes. Any WSGI server can run it: here the standard library's
``wsgiref``. :mod:`chapter01.wsgi_service` is the complete version.

>>> import json
>>> started = []
>>> body = application({}, lambda status, headers: started.append(status))
>>> started, sorted(json.loads(b"".join(body)))
(['200 OK'], ['time'])

Run: ``python -m chapter01.hello_wsgi``
"""

import json
import os
import signal
import time
from threading import Thread
from wsgiref.simple_server import make_server


def application(environ, start_response):
    headers = [("Content-Type", "application/json")]
    start_response("200 OK", headers)
    return [json.dumps({"time": time.time()}).encode()]


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    with make_server("127.0.0.1", port, application) as server:
        # wsgiref takes any exception raised while it handles a request, a
        # Ctrl-C's KeyboardInterrupt too, for that request's error and serves
        # on: Ctrl-C asks the loop to stop instead (from a thread, as
        # shutdown() waits for the loop to end).
        signal.signal(signal.SIGINT, lambda *_: Thread(target=server.shutdown).start())
        print(f"Serving on http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
