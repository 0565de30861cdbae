"""``python -m chapter09`` (``make run``): Runnerly under Circus, in front.

Ports are ``RUNNERLY_PORT_BASE`` (5000) plus 1 to 4, as chapter 8's (with
nginx in front, 2 and 3 are nginx's, and the two services' own sockets are
base plus 12 and 13); Ctrl-C or SIGTERM stops every process. The services'
environments are built on the first start and reused while their sources
and locks are unchanged (``RUNNERLY_BUILDS``: where; see ``default_builds``).
"""

import os
import signal
import sys

from .machinery.stack import CircusStack, default_builds


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the stack as Ctrl-C does


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    stack = CircusStack(
        int(os.environ.get("RUNNERLY_PORT_BASE", 5000)),
        builds=default_builds(),
        progress=lambda line: print(f"runnerly: {line}", flush=True),
    )
    try:
        stack.start()
        print(stack.banner(), flush=True)
        code = stack.process.wait()
        print(f"runnerly: circusd exited with code {code}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nrunnerly: stopping every service.", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
