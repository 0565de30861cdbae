"""Book: chapter 4, "Data Service": how its processes start, shared.

:func:`serve` runs a data service app on ``$PORT`` with Flask's development
server, its database a throwaway SQLite file unless the environment names
one (:func:`database_settings`). ``python -m chapter04.dataservice`` uses
it, and so do the later chapters' services built on the data service
(chapter 6's logged and metered ones, chapter 7's secured one, chapter 8's).
"""

import os
import signal
import sys
import tempfile


def database_settings(folder: str) -> dict:
    """A throwaway SQLite file in ``folder``, unless the environment names one.

    (An override would win over ``FLASK_SQLALCHEMY_DATABASE_URI``: none then.)
    """
    if "FLASK_SQLALCHEMY_DATABASE_URI" in os.environ:
        return {}
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/data.db"}


def serve(create_app, default_port: int, describe) -> None:
    """Run a data service app on ``$PORT`` (chapter 8's grows this one);
    ``describe(app)``: a line on what it is connected to."""
    port = int(os.environ.get("PORT", default_port))
    # Not a file left in the checkout or in /tmp: removed when the service stops.
    with tempfile.TemporaryDirectory(prefix="dataservice-") as folder:
        app = create_app(**database_settings(folder))
        print(f"Data service on http://127.0.0.1:{port}/users (Ctrl-C stops it)")
        print(describe(app), flush=True)
        # SIGTERM (a service manager, the tests) ends it as Ctrl-C does, cleanly.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)
