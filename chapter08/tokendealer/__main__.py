"""Book: chapter 8, "Authentication and authorization": start TokenDealer.

``python -m chapter08.tokendealer`` serves on ``$PORT`` (5001); its
issuer is its own URL unless ``FLASK_ISSUER`` says otherwise. Clients come
from ``FLASK_CLIENTS`` (a JSON object of registrations, hashes only: see
``chapter07.tokendealer.clients.register``) and ``FLASK_CLIENTS_FILE``, the
keys from ``FLASK_KEY_DIR``, as in chapter 7.
"""

import os
import signal
import sys

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5001))
    overrides = {}
    if "FLASK_ISSUER" not in os.environ:
        overrides["ISSUER"] = f"http://127.0.0.1:{port}"
    app = create_app(**overrides)
    print(f"TokenDealer on {app.config['ISSUER']}/oauth/token", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
