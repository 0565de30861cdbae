"""Book: chapter 8: ``python -m chapter08.dataservice`` serves on $PORT (5003).

Its database is a SQLite file in a temporary folder, removed when the service
stops, unless ``FLASK_SQLALCHEMY_DATABASE_URI`` names another (PostgreSQL:
``postgresql+psycopg://user@host/db``). Tokens come from the TokenDealer at
``FLASK_TOKEN_ISSUER``; ``FLASK_CORS_ORIGINS`` names the dashboard's origin.
"""

import os
import signal
import sys
import tempfile

from chapter04.dataservice.__main__ import database_settings

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5003))
    # Not a file left in the checkout or in /tmp: removed when the service stops.
    with tempfile.TemporaryDirectory(prefix="dataservice-") as folder:
        app = create_app(**database_settings(folder))
        print(f"Data service on http://127.0.0.1:{port}/users (Ctrl-C stops it)")
        print(f"Tokens from {app.config['TOKEN_ISSUER']}", flush=True)
        # SIGTERM (a service manager, the tests) ends it as Ctrl-C does, cleanly.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
