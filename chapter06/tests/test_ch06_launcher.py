"""The launcher behind ``python -m chapter06`` (and chapters 7 to 10): the
collectors the services report to stop last, so that what a service sends
as it exits (its last spans, its last log records) still arrives.

The rest of the launcher (start order, readiness, output, a service that
dies, Ctrl-C) is tested through chapter 8's stack, which is built on it."""

import io
import sys

import pytest

from chapter06.machinery.launcher import Launcher, Service

# A process that says "ready", writes "<name> term" to the log on SIGTERM,
# takes ``delay`` seconds to finish (a last export), then "<name> gone".
STANDIN = """
import signal, sys, time
name, log, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
def write(what):
    with open(log, "a") as out:
        out.write(f"{name} {what}\\n")
def leave(*_):
    write("term")
    time.sleep(delay)
    write("gone")
    sys.exit(0)
signal.signal(signal.SIGTERM, leave)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def standin(name: str, log, delay: float) -> Service:
    command = [sys.executable, "-c", STANDIN, name, str(log), str(delay)]
    return Service(name, command, ready_line="^ready$")


@pytest.mark.integration
@pytest.mark.parametrize("stop_last", [("collector",), ()])
def test_the_collector_stops_once_the_services_have_gone(tmp_path, stop_last):
    log = tmp_path / "log"
    services = [standin("collector", log, 0), standin("service", log, 0.5)]
    launcher = Launcher(services, output=io.StringIO())
    launcher.stop_last = stop_last
    launcher.start()
    launcher.stop()
    lines = log.read_text().splitlines()
    if stop_last:
        assert lines == [
            "service term",
            "service gone",
            "collector term",
            "collector gone",
        ]
    else:  # all at once: the collector is gone before the service's last word
        assert lines.index("collector gone") < lines.index("service gone")
