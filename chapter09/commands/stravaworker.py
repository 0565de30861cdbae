"""Book: chapter 9, "The setup.py file": the ``runnerly-stravaworker`` command.

A Celery worker, not a web service: the command runs chapter 8's worker
(``python -m chapter08.stravaworker``) as it is, and says its version.
"""

import argparse
from importlib.metadata import version

from chapter08.stravaworker.run import main as run_worker

DISTRIBUTION = "runnerly-stravaworker"


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(prog=DISTRIBUTION)
    parse.add_argument("--version", action="version", version=version(DISTRIBUTION))
    parse.parse_args(argv)
    print(f"{DISTRIBUTION} {version(DISTRIBUTION)}", flush=True)
    run_worker()
