"""Book: chapter 7, "Using TokenDealer": the data service behind tokens.

Chapter 4's data service, unchanged, plus :class:`.bearer_auth.BearerAuth`:
a GET needs a token with scope ``data:read``, a POST ``data:write``, for
audience ``runnerly-data``, from the TokenDealer at ``TOKEN_ISSUER``.

``python -m chapter07.secured_dataservice`` serves on ``$PORT`` (5000),
settings from ``FLASK_`` variables (``FLASK_TOKEN_ISSUER=http://...``).
"""

import os
import signal
import sys
import tempfile

from flask import Flask

from chapter04.dataservice import create_app as create_data_service
from chapter04.dataservice.serving import database_settings

from .bearer_auth import BearerAuth


def create_app(config=None, **overrides) -> Flask:
    app = create_data_service(config, **overrides)
    BearerAuth(app)
    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    with tempfile.TemporaryDirectory(prefix="dataservice-") as folder:
        app = create_app(**database_settings(folder))
        print(f"Secured data service on http://127.0.0.1:{port}/users", flush=True)
        print(f"Tokens from {app.config['TOKEN_ISSUER']}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
