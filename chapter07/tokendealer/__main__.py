"""Book: chapter 7, "The TokenDealer microservice": ``python -m chapter07.tokendealer``.

Serves on ``$PORT`` (5000); its issuer is its own URL unless
``FLASK_ISSUER`` says otherwise. Keys are made on first start in
``chapter07/instance/keys`` (ignored by git), clients read from
``chapter07/instance/clients.json`` (see :mod:`.register`).
"""

import os
import signal
import sys
from collections.abc import Callable

from flask import Flask

from . import create_app


def main() -> None:
    serve(create_app, default_port=5000)


def serve(create_app: Callable[..., Flask], default_port: int) -> None:
    """Run a TokenDealer app (chapter 8's grows this one) on ``$PORT``."""
    port = int(os.environ.get("PORT", default_port))
    overrides = {}
    if "FLASK_ISSUER" not in os.environ:
        overrides["ISSUER"] = f"http://127.0.0.1:{port}"
    app = create_app(**overrides)
    print(f"TokenDealer on {app.config['ISSUER']}/oauth/token", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
