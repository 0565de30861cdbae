"""Book: chapter 12, 'Sanic'.

The service as a Sanic application. Sanic looks like Flask (an app object,
decorated routes, a ``request`` argument), but its handlers are coroutines
run by asyncio's event loop, and it parses HTTP with its own fast code.

What the book said of it in 2017 still holds: a familiar API on top of
asyncio, with the rule of every event loop: a blocking call in a handler
stalls every connection, so whatever a handler waits for must be awaited.

Run: ``python -m chapter01.sanic_service``
"""

import asyncio
import signal
import socket
import sys

from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import SanicException

from chapter01.payload import banner, error, listen_port, respond

NAME = "sanic"


def send(response) -> HTTPResponse:
    headers = dict(response.all_headers())
    del headers["Content-Length"]  # Sanic computes it from the body
    return HTTPResponse(response.body, status=response.status, headers=headers)


def make_app() -> Sanic:
    # configure_logging=False: Sanic's start-up lines stay silent; its
    # warnings and errors still show. No access log, like the other servers.
    app = Sanic(NAME, configure_logging=False)
    app.config.ACCESS_LOG = False

    # One route for every path and method: respond() routes, as for the other
    # servers, so 404 and 405 are JSON rather than Sanic's pages.
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    @app.route("/", methods=methods, name="root")
    @app.route("/<path:path>", methods=methods, name="any")
    async def handle(request: Request, path: str = "") -> HTTPResponse:
        return send(respond(request.method, request.path, NAME))

    @app.exception(SanicException)
    async def refused(request: Request, exception: SanicException) -> HTTPResponse:
        # What Sanic rejects before routing (TRACE, a method it does not
        # know) comes here as an exception: JSON too.
        return send(error(exception.status_code, str(exception)))

    return app


async def serve(app: Sanic, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully.

    ``app.run()`` is the usual way to start Sanic, but it opens the port
    before it handles SIGTERM, and a stop asked for while it starts is lost:
    whoever sees the port open may stop us at once. Sanic's lower-level
    ``create_server`` lets us set the signals up first, as the Tornado
    server does; it runs in this one process (no worker processes), on the
    same asyncio loop as the aiohttp and Tornado servers.
    """
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    try:
        sock = socket.create_server(("127.0.0.1", port), backlog=128)
    except OSError as exc:
        sys.exit(f"cannot listen: {exc.strerror}")
    # start_serving=False: no request is answered before the app has started.
    server = await app.create_server(
        sock=sock, asyncio_server_kwargs={"start_serving": False}
    )
    await server.startup()  # finalizes the routes
    await server.before_start()
    await server.start_serving()
    await server.after_start()
    print(banner(NAME, port), flush=True)
    await stopped.wait()
    await server.before_stop()
    # Stop accepting, close the idle keep-alive connections, then wait.
    server.close()
    for connection in server.connections:
        connection.close_if_idle()
    await server.wait_closed()
    await server.after_stop()


def main() -> None:
    asyncio.run(serve(make_app(), listen_port()))


if __name__ == "__main__":
    main()
