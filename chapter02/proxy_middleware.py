"""A WSGI middleware behind a proxy (book: chapter 2, "Extensions and middlewares").

Behind nginx, every request comes from nginx's address; the client's own is in
the ``X-Forwarded-For`` header, which each proxy appends to. A middleware wraps
the WSGI application and rewrites ``REMOTE_ADDR`` before Flask sees it.

The header is written by whoever sends the request, so only the entries added
by proxies we run can be trusted: trust the last ``trusted`` entries, never the
first. Werkzeug's ``ProxyFix`` does the same (and handles the other
``X-Forwarded-*`` headers); use it in real code. The hand-written one shows
what it does.

Run it: ``flask --app chapter02.proxy_middleware run``
"""

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from chapter02.skeleton.errors import register_json_errors


class ForwardedFor:
    """Take the client address from ``X-Forwarded-For``, set by ``trusted`` proxies."""

    def __init__(self, wsgi_app, trusted: int = 1):
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= self.trusted:
            environ["werkzeug.proxy_peer"] = environ.get("REMOTE_ADDR")
            environ["REMOTE_ADDR"] = hops[-self.trusted]
        return self.wsgi_app(environ, start_response)


def create_app(middleware: str = "ours") -> Flask:
    app = Flask(__name__)
    register_json_errors(app)

    @app.get("/api/ip")
    def client_ip():
        return {
            "remote_addr": request.remote_addr,
            "forwarded_for": request.headers.get("X-Forwarded-For"),
        }

    # Wrap wsgi_app, not app: the Flask object stays the one to configure.
    if middleware == "ours":
        app.wsgi_app = ForwardedFor(app.wsgi_app, trusted=1)
    elif middleware == "proxyfix":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    return app


app = create_app()
