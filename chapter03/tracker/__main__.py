"""The proxy on ``$PORT`` (book: chapter 3, "End-to-end tests").

``python -m chapter03.tracker`` starts it as a user would; ``FLASK_CONFIG``
picks the configuration (``development`` unless set).

With ``FLASK_TRACKER_API_URL`` set, it proxies that tracker. Without it, it
starts the fake tracker in this process first, so one command is a demo.
"""

import os
import threading

from werkzeug.serving import make_server

from chapter03.machinery import fake_tracker

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    overrides = {}
    if not os.environ.get("FLASK_TRACKER_API_URL"):
        fake = make_server("127.0.0.1", 0, fake_tracker.create_app(), threaded=True)
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        overrides["TRACKER_API_URL"] = f"http://127.0.0.1:{fake.server_port}"
    app = create_app(**overrides)
    print(
        f"Bug tracker proxy on http://127.0.0.1:{port}/api/bugs "
        f"(tracker: {app.config['TRACKER_API_URL']}; Ctrl-C stops it)",
        flush=True,
    )
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
