"""Book: chapter 7, "The TokenDealer microservice": ``python -m chapter07.tokendealer``.

Serves on ``$PORT`` (5000); its issuer is its own URL unless
``FLASK_ISSUER`` says otherwise. Keys are made on first start in
``chapter07/instance/keys`` (ignored by git), clients read from
``chapter07/instance/clients.json`` (see :mod:`.register`).
"""

from . import create_app
from .serving import serve


def main() -> None:
    serve(create_app, default_port=5000)


if __name__ == "__main__":
    main()
