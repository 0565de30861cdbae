"""Book: chapter 9, "The setup.py file": the ``runnerly-tokendealer`` command.

Its issuer (the URL in its tokens) is ``FLASK_ISSUER``, else its own
address on ``$PORT``, as ``python -m chapter08.tokendealer`` does.
"""

import os

from chapter08.tokendealer import create_app

from ..serve import command

DEFAULT_PORT = 5001


def make_app():
    overrides = {}
    if "FLASK_ISSUER" not in os.environ:
        port = os.environ.get("PORT", DEFAULT_PORT)
        overrides["ISSUER"] = f"http://127.0.0.1:{port}"
    return create_app(**overrides)


def main() -> None:
    command("runnerly-tokendealer", make_app, DEFAULT_PORT)
