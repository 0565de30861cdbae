"""Book: chapter 7, "X.509 certificate-based authentication": nginx does it.

The same mutual TLS as :mod:`.mtls_service`, done by the web server in
front: nginx checks the client's certificate against the CA
(``ssl_verify_client on``) and passes the verified subject to the service
behind it in a header. The service trusts that header only because nginx
is the only way in (it listens on loopback, and nginx sets the header,
replacing any a client sent).

    >>> print(tls_server(8443, "/tls", "http://127.0.0.1:5000"))
    server {
        listen 127.0.0.1:8443 ssl;
        ssl_certificate /tls/server.pem;
        ssl_certificate_key /tls/server.key;
        ssl_client_certificate /tls/ca.pem;
        ssl_verify_client on;
        location / {
            proxy_set_header X-Client-DN $ssl_client_s_dn;
            proxy_pass http://127.0.0.1:5000;
        }
    }
"""

from flask import Flask, abort, request

from chapter02.skeleton.config import CONFIGS, load_config
from chapter02.skeleton.errors import register_json_errors


def tls_server(port: int, tls: str, upstream: str) -> str:
    """An nginx ``server`` block: HTTPS on ``port``, a client certificate of
    ``tls/ca.pem`` required, requests passed on to ``upstream``."""
    return f"""\
server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {tls}/server.pem;
    ssl_certificate_key {tls}/server.key;
    ssl_client_certificate {tls}/ca.pem;
    ssl_verify_client on;
    location / {{
        proxy_set_header X-Client-DN $ssl_client_s_dn;
        proxy_pass {upstream};
    }}
}}"""


def create_app(config=None, **overrides) -> Flask:
    """The service behind nginx: who is calling, as nginx verified it."""
    app = Flask(__name__)
    load_config(app, config, CONFIGS, require_secret_key=False, **overrides)
    register_json_errors(app)

    @app.get("/whoami")
    def whoami():
        subject = request.headers.get("X-Client-DN", "")
        # RFC 2253 form, as nginx gives it: "CN=dashboard,O=...".
        names = dict(part.split("=", 1) for part in subject.split(",") if "=" in part)
        if "CN" not in names:
            abort(401, "No verified client certificate.")
        return {"client": names["CN"]}

    return app
