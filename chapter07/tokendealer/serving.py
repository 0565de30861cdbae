"""Book: chapter 7, "The TokenDealer microservice": how it starts, shared.

:func:`serve` runs a TokenDealer app on ``$PORT``; its issuer is its own URL
unless ``FLASK_ISSUER`` says otherwise. ``python -m chapter07.tokendealer``
uses it, and so does chapter 8's TokenDealer, which grows this one.
"""

import os
import signal
import sys
from collections.abc import Callable

from flask import Flask


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
