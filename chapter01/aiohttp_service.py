"""Book: chapter 1, 'asyncio', and chapter 12, 'The aiohttp framework'.

The service as an ``aiohttp.web`` application: an ``async def`` handler run
by asyncio's event loop, the model the book's last chapter looks forward to
and today's default for asynchronous Python.

Coroutines replace Twisted's callbacks: ``await`` marks each place where the
loop may run another request, and the code in between runs alone, so shared
state needs no lock. The price is the same as for every event loop: a
blocking call in a handler (``requests.get``, ``time.sleep``) freezes all
connections, so the whole stack must be asyncio-aware (aiohttp's client,
asyncpg, redis.asyncio...).

Run: ``python -m chapter01.aiohttp_service``
"""

from aiohttp import web

from chapter01.payload import banner, listen_port, respond


async def handle(request: web.Request) -> web.Response:
    # Nothing here waits, so nothing is awaited; a handler that called
    # another service would ``await`` it and free the loop meanwhile.
    response = respond(request.method, request.path, "aiohttp")
    headers = dict(response.all_headers())
    del headers["Content-Length"]  # aiohttp computes it from the body
    return web.Response(status=response.status, body=response.body, headers=headers)


def make_app() -> web.Application:
    app = web.Application()
    # One route for every method and path: respond() routes, as for the
    # other servers, so 404 and 405 are JSON rather than aiohttp's text.
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def main() -> None:
    port = listen_port()
    # run_app() turns SIGTERM and SIGINT into a graceful shutdown; no access
    # log line per request, like the other servers.
    web.run_app(
        make_app(),
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=lambda _: print(banner("aiohttp", port), flush=True),
    )


if __name__ == "__main__":
    main()
