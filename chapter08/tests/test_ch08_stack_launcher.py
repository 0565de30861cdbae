"""The launcher of ``python -m chapter08``, with stand-in services: start
order, readiness, output, a service that fails, and stopping every process."""

import os
import signal
import socket

import psutil
import pytest

from chapter08.machinery.stack import StartError
from chapter08.tests.fixtures_stack import stack_standin


def descendants() -> set[psutil.Process]:
    """This test's processes and those of any server fixture still running."""
    return set(psutil.Process().children(recursive=True))


def live(processes) -> set[psutil.Process]:
    return {p for p in processes if p.is_running() and p.status() != "zombie"}


def assert_all_gone(processes: list[psutil.Process]) -> None:
    """Each process has exited (a zombie waiting for its reaper counts as
    gone: it runs nothing and holds no port)."""
    gone, alive = psutil.wait_procs(processes, timeout=10)
    zombies = [p for p in alive if p.status() == psutil.STATUS_ZOMBIE]
    assert alive == zombies, [p.cmdline() for p in alive if p not in zombies]


def log_of(path) -> list[str]:
    return path.read_text().splitlines()


def test_each_service_starts_once_the_one_before_is_ready(stack_launch, tmp_path):
    log = tmp_path / "log"
    first = stack_standin("first", log, env={"STANDIN_SAY": "hello"})
    worker = stack_standin("worker", log, "line")
    last = stack_standin("last", log)
    launcher = stack_launch([first, worker, last])
    assert log_of(log) == [
        "first started",
        "first serving",
        "worker started",
        "last started",
        "last serving",
    ]
    assert launcher.urls == {"first": first.url, "last": last.url}
    output = launcher.output.getvalue().splitlines()
    # Each line names its service; the environment reaches the service, and
    # PORT only the services that have one.
    assert "first  | first says 'hello'" in output
    assert f"first  | first port {first.port}" in output
    assert "worker | worker port None" in output
    assert "Started:" in launcher.banner()


def test_a_service_that_dies_at_start_stops_those_before(stack_launch, tmp_path):
    log = tmp_path / "log"
    services = [
        stack_standin("first", log),
        stack_standin("broken", log, "die"),
        stack_standin("never", log),
    ]
    before = descendants()
    with pytest.raises(StartError) as raised:
        stack_launch(services)
    error = raised.value
    assert error.name == "broken"
    assert "exited with code 3 before it was ready" in str(error)
    assert "boom" in error.output
    assert log_of(log) == ["first started", "first serving", "broken started"]
    assert live(descendants() - before) == set()


def test_a_service_never_ready_fails_after_the_timeout(stack_launch, tmp_path):
    # It serves, but not the health path asked for.
    stuck = stack_standin("stuck", tmp_path / "log", health="/not-here")
    before = descendants()
    with pytest.raises(StartError, match="stuck was not ready after 1 s"):
        stack_launch([stuck], timeout=1)
    assert live(descendants() - before) == set()


def test_a_port_in_use_is_refused_before_anything_starts(stack_launch, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        services = [
            stack_standin("first", tmp_path / "log"),
            stack_standin("second", tmp_path / "log", port=port),
        ]
        before = descendants()
        with pytest.raises(StartError, match=f"port {port} is already in use"):
            stack_launch(services)
    assert live(descendants() - before) == set()
    assert not (tmp_path / "log").exists()  # not even the first started


def test_stop_ends_every_group_even_what_ignores_sigterm(stack_launch, tmp_path):
    log = tmp_path / "log"
    before = descendants()
    services = [stack_standin("calm", log), stack_standin("stubborn", log, "stubborn")]
    launcher = stack_launch(services, stop_grace=0.5)  # then SIGKILL
    processes = descendants() - before
    assert len(processes) == 3  # calm, stubborn and the child it forked
    launcher.stop()
    assert_all_gone(list(processes))


def test_wait_returns_the_service_that_died(stack_launch, tmp_path):
    launcher = stack_launch(
        [stack_standin("a", tmp_path / "log"), stack_standin("b", tmp_path / "log")]
    )
    assert launcher.wait(timeout=0.1) is None
    os.kill(launcher.pids()[1], signal.SIGKILL)
    died = launcher.wait(timeout=10)
    assert died.name == "b"
    assert died.returncode == -signal.SIGKILL


# The foreground run of ``python -m chapter08`` (chapter08.machinery.stack.serve), as a
# process of its own with stand-ins (fixture stack_foreground), so that
# signals reach it as in a terminal.


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_every_process(stack_foreground, tmp_path, signum):
    log = tmp_path / "log"
    services = [stack_standin("web", log), stack_standin("stubborn", log, "stubborn")]
    foreground = stack_foreground(services)
    processes = foreground.wait_until_up()
    assert len(processes) == 3
    # Ctrl-C: the terminal signals the foreground group, which is the
    # launcher alone (each service has a session of its own).
    foreground.process.send_signal(signum)
    assert foreground.finish() == 0
    assert_all_gone(processes)
    assert "runnerly: stopping every service." in foreground.lines


def test_a_service_that_dies_later_stops_the_others(stack_foreground, tmp_path):
    log = tmp_path / "log"
    foreground = stack_foreground([stack_standin(n, log) for n in ("a", "b", "c")])
    processes = foreground.wait_until_up()
    (b,) = [p for p in processes if p.environ().get("STANDIN_NAME") == "b"]
    b.kill()
    assert foreground.finish() == 1
    assert_all_gone(processes)
    assert any("b exited with code -9" in line for line in foreground.lines)


def test_a_failed_start_exits_non_zero_with_its_output(stack_foreground, tmp_path):
    log = tmp_path / "log"
    services = [stack_standin("a", log), stack_standin("broken", log, "die")]
    foreground = stack_foreground(services)
    assert foreground.finish() == 1
    output = "\n".join(foreground.lines)
    assert "runnerly: broken exited with code 3 before it was ready" in output
    assert "broken | boom" in output
    assert "Ctrl-C stops everything." not in output
