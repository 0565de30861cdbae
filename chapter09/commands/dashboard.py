"""Book: chapter 9, "The setup.py file": the ``runnerly-dashboard`` command."""

from chapter08.dashboard import create_app

from ..serve import command

DEFAULT_PORT = 5002


def main() -> None:
    command("runnerly-dashboard", create_app, DEFAULT_PORT)
