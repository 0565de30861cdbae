"""Book: chapter 4, "Data Service": ``python -m chapter04.dataservice`` on $PORT.

Its database is a SQLite file in a temporary folder, removed when the service
stops, unless ``FLASK_SQLALCHEMY_DATABASE_URI`` names another.
"""

import os
import signal
import sys
import tempfile
from contextlib import nullcontext

from . import create_app

port = int(os.environ.get("PORT", 5000))
overrides = {}
workdir = nullcontext()
if "FLASK_SQLALCHEMY_DATABASE_URI" not in os.environ:
    # A throwaway database, not a file left in the checkout or in /tmp.
    workdir = tempfile.TemporaryDirectory(prefix="dataservice-")
    overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{workdir.name}/data.db"
app = create_app(os.environ.get("RUNNERLY_CONFIG", "development"), **overrides)
print(f"Data service on http://127.0.0.1:{port}/users (Ctrl-C stops it)", flush=True)
print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI']}", flush=True)
# SIGTERM (a service manager, the tests) ends it as Ctrl-C does, cleanly.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with workdir:
    app.run(host="127.0.0.1", port=port)
