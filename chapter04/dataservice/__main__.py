"""Book: chapter 4, "Data Service": ``python -m chapter04.dataservice`` on $PORT.

Its database is a SQLite file in a
temporary folder unless ``FLASK_SQLALCHEMY_DATABASE_URI`` names another.
"""

import os
import tempfile

from . import create_app

port = int(os.environ.get("PORT", 5000))
overrides = {}
if "FLASK_SQLALCHEMY_DATABASE_URI" not in os.environ:
    # A throwaway database, not a file left in the checkout.
    folder = tempfile.mkdtemp(prefix="dataservice-")
    overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder}/data.db"
app = create_app(os.environ.get("RUNNERLY_CONFIG", "development"), **overrides)
print(f"Data service on http://127.0.0.1:{port}/users (Ctrl-C stops it)", flush=True)
app.run(host="127.0.0.1", port=port)
