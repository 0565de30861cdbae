"""Book: chapter 1, 'Greenlet and Gevent'.

The same WSGI code as :mod:`chapter01.wsgi_service`, served by gevent: one
thread again, but every connection runs in its own greenlet, and a greenlet
that would block on the network yields to the others instead.

Greenlets are cooperative: they switch only where gevent can see a wait, in
its own socket, ``sleep`` or lock. Monkey patching swaps the standard
library's blocking versions for those, so that unmodified code (``requests``,
a database driver in pure Python) yields too. It must happen before anything
grabs the originals, hence first thing in :func:`main`, and only when the
server runs: importing this module (from a test, say) patches nothing. A C
extension doing its own I/O, or a long computation, still blocks every
greenlet: concurrency, not parallelism.

Run: ``python -m chapter01.gevent_service``
"""

import signal
import socket

import gevent
from gevent import monkey
from gevent.event import Event
from gevent.pywsgi import WSGIServer


class NoDelayServer(WSGIServer):
    """pywsgi's server, sending small responses without delay.

    pywsgi writes the headers and the body with two ``send()`` calls. On a
    keep-alive connection Nagle's algorithm holds the second back until the
    client acknowledges the first, which Linux delays by up to 40 ms: each
    request would take 40 ms. TCP_NODELAY sends at once (the other servers
    here write one buffer, or set it themselves).
    """

    def handle(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def main() -> None:
    monkey.patch_all()

    # Imported after patching, so that everything they pull in is cooperative
    # (gevent's own modules above never need patching).
    from chapter01.payload import banner, listen_port
    from chapter01.wsgi_service import make_app

    port = listen_port()
    # log=None: no access log line per request, like the other servers.
    server = NoDelayServer(("127.0.0.1", port), make_app("gevent"), log=None)
    # The signals only set an event, which main() waits for: stopping the
    # server from the handler itself could happen while start() is still
    # opening the socket. (Left to Python, Ctrl-C would reach the hub, which
    # reports it as an error before passing it on.)
    stopping = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stopping.set)
    server.start()  # listens, and accepts in the background from now on
    print(banner("gevent", port), flush=True)
    stopping.wait()  # this greenlet sleeps; the hub serves the others
    server.stop()


if __name__ == "__main__":
    main()
