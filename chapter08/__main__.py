"""Book: chapter 8, "Bringing It All Together": ``python -m chapter08``.

Starts the whole stack (see :mod:`chapter08.machinery.stack`) and prints the
dashboard's URL. ``--port-base`` (or ``RUNNERLY_PORT_BASE``, 5000) moves
the ports to BASE+1 (TokenDealer), +2 (dashboard), +3 (data service) and
+4 (fake Strava); ``--state-dir`` (or ``RUNNERLY_STATE_DIR``) keeps the
database, queue and keys in a folder of yours instead of a temporary one.
``CELERY_BROKER_URL``, when set, is the broker instead of a queue folder.
"""

import argparse
import os
import sys

from .machinery.stack import DEFAULT_PORT_BASE, Stack, serve


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chapter08", description="Run Runnerly's services."
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("RUNNERLY_PORT_BASE", DEFAULT_PORT_BASE)),
        help="ports are BASE+1 to BASE+4 (default: 5000)",
    )
    parser.add_argument(
        "--state-dir",
        default=os.environ.get("RUNNERLY_STATE_DIR") or None,
        help="keep the database, queue and keys here (default: a temporary folder)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    stack = Stack(port_base=args.port_base, state_dir=args.state_dir)
    try:
        return serve(stack)
    except KeyboardInterrupt:  # pressed again while stopping: already stopped
        return 0


if __name__ == "__main__":
    sys.exit(main())
