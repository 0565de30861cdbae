"""Book: chapter 8, "Building a ReactJS dashboard": ``python -m chapter08.dashboard``.

Serves the dashboard on ``$PORT`` (5002 by default, the stack's) on
127.0.0.1, with settings from ``FLASK_*`` environment variables.
"""

import os
import signal
import sys

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5002))
    app = create_app()
    print(f"Runnerly dashboard on http://127.0.0.1:{port}/", flush=True)
    # SIGTERM (a process manager, the stack) ends it as Ctrl-C does, cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
