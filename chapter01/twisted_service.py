"""Book: chapter 1, 'Twisted and Tornado'.

The service as a ``twisted.web`` resource, served by Twisted's reactor: one
thread running an event loop that calls back into the code whenever a socket
is ready.

Twisted is explicit where gevent is implicit: nothing is patched, and code
that waits must say so by returning a ``Deferred`` and chaining callbacks on
it (``render`` would return ``NOT_DONE_YET`` and finish the request later).
The cost is that every library on the path must be Twisted-aware; the gain
is that every switch point is visible in the code.

Run: ``python -m chapter01.twisted_service``
"""

import sys

from twisted.internet import endpoints, reactor
from twisted.web import resource, server

from chapter01.payload import banner, listen_port, respond


class Api(resource.Resource):
    # A leaf answers for every path below it: respond() does the routing,
    # as it does for the other servers.
    isLeaf = True

    def render(self, request):
        # render() rather than render_GET(): the 405 is respond()'s to give,
        # in JSON, not Twisted's HTML page.
        response = respond(
            request.method.decode("ascii"), request.path.decode("utf-8"), "twisted"
        )
        request.setResponseCode(response.status)
        for name, value in response.all_headers():
            request.setHeader(name, value)
        return response.body


def main() -> int:
    port = listen_port()
    failures = []

    def listening(_port):
        print(banner("twisted", port), flush=True)

    def failed(failure):
        # Without an errback the error would only be logged, maybe, and the
        # reactor would run on, serving nothing.
        failures.append(failure)
        print(f"cannot listen: {failure.getErrorMessage()}", file=sys.stderr)
        reactor.stop()

    def start():
        endpoint = endpoints.TCP4ServerEndpoint(reactor, port, interface="127.0.0.1")
        # listen() returns a Deferred: its callback or its errback runs once
        # the port is open, or could not be.
        endpoint.listen(server.Site(Api())).addCallbacks(listening, failed)

    # Listen once the reactor runs, so after it has installed its SIGTERM and
    # SIGINT handlers (they stop it: run() returns, the process exits
    # normally): whoever sees the port open may stop the server at once.
    reactor.callWhenRunning(start)
    reactor.run()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
