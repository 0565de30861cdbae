"""``python -m chapter02.skeleton``: the development server on ``$PORT``."""

import os

from . import create_app

port = int(os.environ.get("PORT", 5000))
app = create_app(os.environ.get("SKELETON_ENV", "development"))
print(
    f"Skeleton microservice on http://127.0.0.1:{port}/api/ (Ctrl-C stops it)",
    flush=True,
)
app.run(host="127.0.0.1", port=port)
