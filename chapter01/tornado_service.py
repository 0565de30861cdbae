"""Book: chapter 1, 'Twisted and Tornado', and chapter 12, 'The asyncio library'.

The service as a Tornado ``RequestHandler``. Tornado began with its own
callback-based IOLoop; since version 5 the IOLoop is asyncio's event loop, so
this server is a coroutine like any other, started with ``asyncio.run``.

A handler may be ``async def`` and ``await`` other coroutines: the code reads
top to bottom like the blocking version, and the ``await`` points are where
the loop may switch to another request. As with Twisted, everything awaited
must be asynchronous: one blocking call stalls every connection.

Run: ``python -m chapter01.tornado_service``
"""

import asyncio
import signal
from http import HTTPStatus

import tornado.web

from chapter01.payload import banner, error, listen_port, respond


class Api(tornado.web.RequestHandler):
    def prepare(self):
        # Called before get(), post()... for every request: respond() routes,
        # as for the other servers, and finish() skips the method.
        self.send(respond(self.request.method, self.request.path, "tornado"))

    def compute_etag(self):
        # The body changes every millisecond: a hash of it would never match.
        return None

    def write_error(self, status_code, **kwargs):
        # Tornado rejects methods it does not know (TRACE, say) before
        # prepare(); its error page would be HTML.
        self.send(error(status_code, HTTPStatus(status_code).phrase))

    def send(self, response):
        self.set_status(response.status)
        for name, value in response.all_headers():
            self.set_header(name, value)
        self.finish(response.body)


def make_app() -> tornado.web.Application:
    # log_function: no access log line per request (Tornado logs 4xx and 5xx
    # by default), like the other servers.
    return tornado.web.Application([(r".*", Api)], log_function=lambda handler: None)


async def serve(port: int) -> None:
    # The loop turns SIGTERM and Ctrl-C into an event this coroutine awaits;
    # set up before the port opens, as whoever sees it open may stop us.
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    server = make_app().listen(port, address="127.0.0.1")
    print(banner("tornado", port), flush=True)
    await stopped.wait()
    # Stop accepting, close the open connections; asyncio.run() returns.
    server.stop()
    await server.close_all_connections()


def main() -> None:
    asyncio.run(serve(listen_port()))


if __name__ == "__main__":
    main()
