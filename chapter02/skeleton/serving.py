"""Book: chapter 2, "A microservice skeleton": how a service starts.

``python -m chapter02.skeleton`` starts with :func:`run_app`, and so do the later
chapters' small services (chapter 3's fake tracker, chapter 5's examples,
chapter 6's stand-ins): Flask's development server on 127.0.0.1, its port
from ``$PORT``, and one line first that says where to look.
"""

import os

from flask import Flask


def run_app(app: Flask, banner: str, default_port: int = 5000) -> None:
    """Serve ``app`` on ``127.0.0.1:$PORT`` after printing ``banner``, its
    ``{port}`` filled in (flushed: a test or a pipe reads it at once)."""
    port = int(os.environ.get("PORT", default_port))
    print(banner.format(port=port), flush=True)
    app.run(host="127.0.0.1", port=port)
