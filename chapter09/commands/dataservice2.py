"""Book: chapter 9, "Versioning": release 2's ``runnerly-dataservice`` command.

``runnerly-dataservice migrate`` brings the database to release 2's schema;
``runnerly-dataservice`` serves, as release 1's command does.
"""

from ..dataservice2 import create_app
from ..dataservice2.migrate import migrate
from ..serve import command
from .dataservice import DEFAULT_PORT


def main() -> None:
    command("runnerly-dataservice", create_app, DEFAULT_PORT, {"migrate": migrate})
