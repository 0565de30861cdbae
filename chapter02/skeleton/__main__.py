"""``python -m chapter02.skeleton``: the development server on ``$PORT``.

``FLASK_CONFIG`` picks the configuration (``development`` unless set).
"""

import os

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    app = create_app()
    print(
        f"Skeleton microservice on http://127.0.0.1:{port}/api/ (Ctrl-C stops it)",
        flush=True,
    )
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
