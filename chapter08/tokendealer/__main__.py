"""Book: chapter 8, "Authentication and authorization": start TokenDealer.

``python -m chapter08.tokendealer`` serves on ``$PORT`` (5001); its
issuer is its own URL unless ``FLASK_ISSUER`` says otherwise. Clients come
from ``FLASK_CLIENTS`` (a JSON object of registrations, hashes only: see
``chapter07.tokendealer.clients.register``) and ``FLASK_CLIENTS_FILE``, the
keys from ``FLASK_KEY_DIR``, as in chapter 7.
"""

from chapter07.tokendealer.serving import serve

from . import create_app


def main() -> None:
    serve(create_app, default_port=5001)


if __name__ == "__main__":
    main()
