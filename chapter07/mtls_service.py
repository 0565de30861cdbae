"""Book: chapter 7, "X.509 certificate-based authentication": mutual TLS.

A service that talks only to clients holding a certificate signed by the
CA it trusts: the TLS handshake itself refuses the others, before any HTTP.
The client's identity is its certificate's common name, which the view
reads from the connection.

``python -m chapter07.mtls_service`` serves HTTPS on ``$PORT`` (5000) with
``FLASK_TLS_CERT``, ``FLASK_TLS_KEY`` (its own certificate) and
``FLASK_TLS_CLIENT_CA`` (the CA whose clients it accepts); by default the
files :mod:`.dev_ca` writes in ``chapter07/instance/tls``.
"""

import os
import signal
import ssl
import sys
from pathlib import Path

from flask import Flask, abort, request

from chapter02.skeleton.config import CONFIGS, load_config
from chapter02.skeleton.errors import register_json_errors

TLS = Path(__file__).resolve().parent / "instance" / "tls"


def server_context(cert: str, key: str, client_ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=client_ca)
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_REQUIRED  # no certificate, no connection
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def client_common_name() -> str:
    # The development server hands the TLS socket over; its peer certificate
    # has already been verified against the client CA by the handshake.
    connection = request.environ.get("werkzeug.socket")
    certificate = connection.getpeercert() if connection else None
    if not certificate:
        abort(401, "A client certificate is required.")
    for rdn in certificate["subject"]:
        for name, value in rdn:
            if name == "commonName":
                return value
    abort(403, "The client certificate names no client.")


def create_app(config=None, **overrides) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TLS_CERT=str(TLS / "server.pem"),
        TLS_KEY=str(TLS / "server.key"),
        TLS_CLIENT_CA=str(TLS / "ca.pem"),
    )
    load_config(app, config, CONFIGS, require_secret_key=False, **overrides)
    register_json_errors(app)

    @app.get("/whoami")
    def whoami():
        return {"client": client_common_name()}

    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    app = create_app()
    context = server_context(
        app.config["TLS_CERT"], app.config["TLS_KEY"], app.config["TLS_CLIENT_CA"]
    )
    print(f"mTLS service on https://127.0.0.1:{port}/whoami", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="127.0.0.1", port=port, ssl_context=context)


if __name__ == "__main__":
    main()
