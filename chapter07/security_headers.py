"""Book: chapter 7, "Securing your code": security headers and cookies.

A few lines of our own, as a Flask extension, instead of Flask-Talisman:

- ``Content-Security-Policy``: scripts, styles and images from this site
  only, no plugin, no framing; an injected ``<script>`` from elsewhere, or
  inline, does not run.
- ``X-Content-Type-Options: nosniff``: the browser trusts our
  ``Content-Type`` and never runs a download as a script.
- ``Referrer-Policy``: other sites see at most our origin, never our paths
  (which may hold ids or tokens).
- The session cookie: ``HttpOnly`` (no script reads it), ``SameSite=Lax``
  (not sent on another site's POST), and ``Secure`` (HTTPS only) everywhere
  but in development, which runs on plain http://127.0.0.1.

``python -m chapter07.security_headers`` serves a small app with it on
``$PORT`` (5000); ``FLASK_CONFIG`` says whether it is development.

    >>> from flask import Flask
    >>> app = Flask(__name__)
    >>> for directive in SecurityHeaders(app).csp.split("; "):
    ...     print(directive)
    default-src 'self'
    object-src 'none'
    frame-ancestors 'none'
    base-uri 'self'
    form-action 'self'
    >>> app.config["SESSION_COOKIE_SECURE"], app.config["SESSION_COOKIE_SAMESITE"]
    (True, 'Lax')
"""

import os

from flask import Flask, Response, jsonify, session

from chapter02.skeleton.config import config_class, load_config

DEFAULT_CSP = {
    "default-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",  # no page of ours inside another's frame
    "base-uri": "'self'",
    "form-action": "'self'",
}


class SecurityHeaders:
    def __init__(
        self,
        app: Flask | None = None,
        *,
        development: bool = False,
        csp: dict[str, str] | None = None,
        referrer_policy: str = "strict-origin-when-cross-origin",
    ):
        self.development = development
        policy = DEFAULT_CSP if csp is None else csp
        self.csp = "; ".join(f"{name} {value}" for name, value in policy.items())
        self.referrer_policy = referrer_policy
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            # Browsers drop a Secure cookie sent over http:// (development).
            SESSION_COOKIE_SECURE=not self.development,
        )
        app.after_request(self.add_headers)
        app.extensions["security_headers"] = self

    def add_headers(self, response: Response) -> Response:
        # setdefault: a view that needs another policy sets its own.
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", self.referrer_policy)
        return response


def create_app(config=None, **overrides) -> Flask:
    """A page and a login that sets the session cookie, behind the headers."""
    app = Flask(__name__)
    load_config(app, config, **overrides)
    development = config_class(config).__name__ == "DevelopmentConfig"
    SecurityHeaders(app, development=development)

    @app.get("/")
    def index():
        return jsonify(user=session.get("user"))

    @app.post("/login")
    def login():
        session["user"] = "runner@example.com"  # the password check: chapter 4
        return jsonify(user=session["user"])

    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    create_app().run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
