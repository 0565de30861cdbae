"""Book: chapter 4, "Putting together the monolithic design": run the monolith.

``python -m chapter04.monolith``: Runnerly with a fake Strava, nothing to
install. The fake Strava serves from a thread on a free port, the database
is a SQLite file in a temporary folder, tasks run in-process, and an admin
user is created: log in, connect to (fake) Strava, fetch your runs.
``FLASK_CONFIG`` picks the configuration (``development`` unless set);
``RUNNERLY_ADMIN_PASSWORD`` the admin's password (a random one unless set).
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

from .app import create_app
from .models import User, db


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    strava_app = fakestrava.create_app(seed=42)
    fake = strava_app.extensions["fakestrava"]
    # Port 0: the system picks a free one. It serves once Runnerly is built,
    # so a configuration error stops the command before anything runs.
    strava_server = make_server("127.0.0.1", 0, strava_app, threaded=True)
    strava_url = f"http://127.0.0.1:{strava_server.server_port}"
    # The database lives as long as the demo: removed when it stops.
    with tempfile.TemporaryDirectory(prefix="runnerly-") as folder:
        database = Path(folder) / "runnerly.db"
        # An unknown FLASK_CONFIG, or production without a key, fails here.
        app = create_app(
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

        threading.Thread(target=strava_server.serve_forever, daemon=True).start()
        print(f"Runnerly on http://127.0.0.1:{port}/ (Ctrl-C stops it)")
        print(f"Fake Strava on {strava_url}/")
        print(f"Log in as {email} with password {password}")
        print(f"Database: {database}", flush=True)
        # SIGTERM (a service manager, the tests) ends it as Ctrl-C does, cleanly.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
