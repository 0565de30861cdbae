"""``python -m chapter02.skeleton``: the development server on ``$PORT``.

``FLASK_CONFIG`` picks the configuration (``development`` unless set).
"""

from . import create_app
from .serving import run_app


def main() -> None:
    banner = "Skeleton microservice on http://127.0.0.1:{port}/api/ (Ctrl-C stops it)"
    run_app(create_app(), banner)


if __name__ == "__main__":
    main()
