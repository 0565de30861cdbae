"""Book: chapter 4, "Putting together the monolithic design": run the monolith.

``python -m chapter04.monolith``: Runnerly with a fake Strava, nothing to
install. The fake Strava serves from a thread on a free port, the database
is a SQLite file in a temporary folder, tasks run in-process, and an admin
user is created: log in, connect to (fake) Strava, fetch your runs.
"""

import os
import secrets
import signal
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

import fakestrava

from . import create_app
from .models import User, db


def serve_in_thread(app, host: str = "127.0.0.1"):
    """Serve a WSGI app on a free port (0: the system picks) from a thread."""
    server = make_server(host, 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}"


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    strava_app = fakestrava.create_app(seed=42)
    fake = strava_app.extensions["fakestrava"]
    _, strava_url = serve_in_thread(strava_app)

    # The database lives as long as the demo: removed when it stops.
    workdir = tempfile.TemporaryDirectory(prefix="runnerly-")
    database = Path(workdir.name) / "runnerly.db"
    app = create_app(
        os.environ.get("RUNNERLY_CONFIG", "development"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        STRAVA_BASE_URL=strava_url,
        STRAVA_CLIENT_ID=fake.client_id,
        STRAVA_CLIENT_SECRET=fake.client_secret,
    )
    email = "admin@example.com"
    password = os.environ.get("RUNNERLY_ADMIN_PASSWORD") or secrets.token_urlsafe(9)
    with app.app_context():
        admin = User(email=email, firstname="Admin", is_admin=True)
        admin.set_password(password)
        db.session.add(admin)
        db.session.commit()

    print(f"Runnerly on http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    print(f"Fake Strava on {strava_url}/", flush=True)
    print(f"Log in as {email} with password {password}", flush=True)
    print(f"Database: {database}", flush=True)
    # SIGTERM (a service manager, the tests) ends it as Ctrl-C does, cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with workdir:
        app.run(host="127.0.0.1", port=port)


main()
