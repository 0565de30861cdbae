"""Runnerly under Circus, faulted under load: kill -9, reload, stop and start
on every watcher, 24 operations while requests keep coming (chapter 9,
"Process management").

An outside review found Circus losing count of its processes under such
faults (``ValueError: fd N added twice``, from the pipes it reads each
process's output through), and processes outliving the stack's stop. After
the operations, every watcher has its processes, every request made outside
an operation's window was answered, and stopping leaves nothing behind.

It found too that a stopped service hung its callers (Circus kept its socket
listening: the kernel queued their connections) and then ran their requests
when it started again, long after they gave up: a sync's import ran twice
and counted none of its runs as new. And that nginx, one process, refused
connections while Circus started it again after a kill -9. Now a stopped
service refuses at once (chapter09/circus_hooks.py), the worker counts what
it imported from the data service, and nginx, a master and its worker on
ports Circus holds, refuses none.
"""

import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field

import psutil
import pytest
import requests

from chapter09.machinery.stack import LIMITS, CircusStack
from chapter09.tests.helpers import logged_in_runner
from testkit import services
from testkit.fixtures import server_fixture
from testkit.ports import port_is_open
from testkit.runnerly import expected_totals, wait_for_sync
from testkit.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# What circus.ini asks for, and what each watcher's faults interrupt.
PROCESSES = {
    "tokendealer": 2,
    "dataservice": 2,
    "dashboard": 2,
    "stravaworker": 1,
    "fakestrava": 1,
    "nginx": 1,
}
AFFECTS = {
    "tokendealer": {"tokendealer"},
    "dataservice": {"dataservice"},
    "dashboard": {"dashboard"},
    "stravaworker": set(),
    "fakestrava": {"fakestrava"},
    "nginx": {"dataservice", "dashboard"},  # nginx fronts both
}
OPERATIONS = ("kill one", "reload", "stop and start", "kill all")


@dataclass
class Load:
    """Steady requests to each service, about 5 a second each (bounded)."""

    urls: dict[str, str]
    expected: dict[str, int]  # the status a working service answers
    answers: list[tuple[float, str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """A thread a service, each sending its requests till :meth:`finish`."""
        self.threads = [
            threading.Thread(target=self.run, args=(target,)) for target in self.urls
        ]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop the requests; wait for the last ones' answers."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def run(self, target: str) -> None:
        with requests.Session() as session:
            for _ in range(3000):  # about ten minutes at most
                started = time.monotonic()
                try:
                    answer = session.get(self.urls[target], timeout=3)
                    outcome = str(answer.status_code)
                    if answer.status_code == self.expected[target]:
                        outcome = "ok"
                except requests.RequestException as error:
                    outcome = type(error).__name__
                self.answers.append((started, target, outcome))
                if self.stop.wait(0.2):
                    return

    def failures_outside(self, windows: list[tuple[float, float, set[str]]]):
        return [
            (at, target, outcome)
            for at, target, outcome in self.answers
            if outcome != "ok"
            and not any(
                start <= at <= end and target in hit for start, end, hit in windows
            )
        ]


def pids(stack: CircusStack, watcher: str) -> set[int]:
    listed = stack.circusctl("list", watcher).strip()
    return {int(pid) for pid in listed.split(",") if pid}


def recovered(stack: CircusStack, watcher: str, gone: set[int] = frozenset()) -> bool:
    """The watcher has its processes (none of ``gone``), its services answer."""
    alive = {pid for pid in pids(stack, watcher) if psutil.pid_exists(pid)}
    if len(alive) != PROCESSES[watcher] or alive & gone:
        return False
    return all(stack.healthy(name) for name in AFFECTS[watcher] - {"fakestrava"})


def operate(stack: CircusStack, watcher: str, operation: str) -> None:
    if operation == "kill one":
        os.kill(min(pids(stack, watcher)), signal.SIGKILL)
    elif operation == "kill all":
        for pid in pids(stack, watcher):
            os.kill(pid, signal.SIGKILL)
    elif operation == "reload":
        stack.circusctl("reload", watcher, "--waiting")
    else:
        stack.circusctl("stop", watcher, "--waiting")
        stack.circusctl("start", watcher, "--waiting")


def steady_load(stack: CircusStack) -> Load:
    """Requests to each service's health check, which answers 200."""
    urls = {
        name: f"{stack.url(name)}/health"
        for name in ("tokendealer", "dataservice", "dashboard")
    }
    # Not the API: its 100 requests per 15 minutes (Strava's budget, which
    # only a restart resets) would run out under this load and answer 429.
    urls["fakestrava"] = f"{stack.url('fakestrava')}/favicon.ico"
    return Load(urls, expected={name: 200 for name in urls})


def fault_every_watcher(stack: CircusStack) -> list[tuple[float, float, set[str]]]:
    """Each operation on each watcher in turn, the next once it has
    recovered; the windows (start, end, services affected) in which a
    request may fail."""
    windows = []
    for operation in OPERATIONS:
        for watcher in PROCESSES:
            start = time.monotonic()
            operate(stack, watcher, operation)
            wait_for_recovery(stack, watcher, operation)
            # A second more: requests sent just before recovery may land.
            windows.append((start, time.monotonic() + 1, AFFECTS[watcher]))
            time.sleep(0.5)
    return windows


def wait_for_recovery(stack: CircusStack, watcher: str, operation: str) -> None:
    """Fail, with Circus's status and logs, unless the watcher recovers
    within a minute."""
    try:
        wait_until(lambda: recovered(stack, watcher), timeout=60)
    except AssertionError:
        status = stack.circusctl("status")
        pytest.fail(f"{watcher} not back after {operation}:\n{status}\n{stack.logs()}")


def process_counts(stack: CircusStack) -> dict[str, int]:
    return {watcher: len(pids(stack, watcher)) for watcher in PROCESSES}


def circusd_errors(stack: CircusStack) -> tuple[set[str], str]:
    """The names of the errors circusd logged, and its log."""
    circusd_log = (stack.folder / "logs" / "circusd.log").read_text()
    errors = re.findall(r"^(\w[\w.]*(?:Error|Exception)): .*$", circusd_log, re.M)
    return set(errors), circusd_log


def still_running(processes) -> list[psutil.Process]:
    """Those of ``processes`` still running (a zombie is not: it is only
    waiting for its parent to read its status)."""
    left = [p for p in processes if p.is_running()]
    return [p for p in left if p.status() != psutil.STATUS_ZOMBIE]


def still_open(ports) -> list[int]:
    return [port for port in ports if port_is_open(port)]


def test_every_watcher_survives_kills_reloads_and_restarts_under_load():
    stack = CircusStack(port_base=None).start()
    if not stack.nginx:
        PROCESSES.pop("nginx"), AFFECTS.pop("nginx")
    load = steady_load(stack)
    try:
        everything = stack.processes()
        load.start()
        time.sleep(1)
        windows = fault_every_watcher(stack)
        time.sleep(2)  # steady again, every request answered
        load.finish()
        assert process_counts(stack) == PROCESSES
        assert load.failures_outside(windows) == []
        assert len(load.answers) > 100
        # circusd's own errors, but for its periodic check finding a command
        # under way (ConflictError: it checks again a second later).
        errors, circusd_log = circusd_errors(stack)
        assert errors <= {"circus.exc.ConflictError"}, circusd_log[-3000:]
        everything |= stack.processes()
        ports = stack.all_ports()
    finally:
        load.stop.set()
        stack.stop()
    # Nothing left: no process it ever started, no port held.
    assert still_running(everything) == []
    assert still_open(ports) == []


# A stopped service ----------------------------------------------------------


@server_fixture(scope="module")
def c9_fault_stack():
    """A stack of its own: these tests stop and start its services."""
    with CircusStack(port_base=None) as stack:
        yield stack


def fails_fast(call) -> Exception:
    """What ``call()`` raised: a refusal at once, not a timeout (its client
    allows 10 s, generous: a queued connection waits for it to run out)."""
    with pytest.raises(requests.RequestException) as raised:
        call()
    assert not isinstance(raised.value, requests.Timeout), raised.value
    assert isinstance(raised.value, requests.ConnectionError), raised.value
    return raised.value


def stopped_service_answers(stack: CircusStack) -> None:
    """The data service's callers, with its watcher stopped: each learns so
    at once, with a clear error."""
    direct = f"{stack.socket_url('dataservice')}/health"
    fails_fast(lambda: requests.get(direct, timeout=10))
    if stack.nginx:  # the public port: nginx's JSON 503, with when to retry
        # More than the WAF's concurrency limit: a refused request gives its
        # place back (its log phase runs in the error page's location too),
        # or the address would get 429 for good.
        for _ in range(LIMITS["dataservice"].concurrency + 5):
            answer = requests.get(f"{stack.url('dataservice')}/health", timeout=10)
            assert answer.status_code == 503
            assert answer.json() == {"status": 503, "message": "Service unavailable."}
            assert answer.headers["Retry-After"] == "1"


def connected_to(pid: int, port: int) -> bool:
    return any(
        c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
        for c in psutil.Process(pid).net_connections(kind="tcp")
    )


def test_a_stopped_service_refuses_and_a_sync_meanwhile_counts_right(
    c9_fault_stack,
):
    stack = c9_fault_stack
    browser, token, csrf = logged_in_runner(stack)
    runner = {"Authorization": f"Bearer {token['access_token']}"}
    sync_url = f"{stack.url('dataservice')}/users/{token['user_id']}/sync"
    (strava,) = pids(stack, "fakestrava")
    (worker,) = pids(stack, "stravaworker")
    worker_log = stack.folder / "logs" / "stravaworker.log"

    # The sync starts, then waits for Strava (paused); meanwhile the data
    # service stops: the runs it fetched find no data service to post to.
    os.kill(strava, signal.SIGSTOP)
    try:
        queued = browser.post(
            stack.url("dashboard") + "/api/sync",
            headers={"X-CSRFToken": csrf},
            timeout=10,
        )
        assert queued.status_code == 202, queued.text
        wait_until(lambda: connected_to(worker, stack.ports.fakestrava), timeout=30)
        stack.circusctl("stop", "dataservice", "--waiting")
    finally:
        os.kill(strava, signal.SIGCONT)
    stopped_service_answers(stack)
    # The worker's import is refused; it retries later (a doubling delay).
    wait_until(
        lambda: re.search(r"/runs/import: .*; retry 1 in", worker_log.read_text()),
        timeout=30,
    )
    stack.circusctl("start", "dataservice", "--waiting")

    done = wait_for_sync(sync_url, runner, timeout=90)
    runs = expected_totals()[0]
    assert done["state"] == "done", done
    assert (done["imported"], done["message"]) == (
        runs,
        f"{runs} new run(s), 0 already there.",
    )


def test_a_stopped_service_runs_no_request_when_it_starts_again(c9_fault_stack):
    stack = c9_fault_stack
    browser, token, csrf = logged_in_runner(stack)
    runner = {"Authorization": f"Bearer {token['access_token']}"}
    sync_url = f"{stack.url('dataservice')}/users/{token['user_id']}/sync"
    before = requests.get(sync_url, headers=runner, timeout=10).json()
    stack.circusctl("stop", "dataservice", "--waiting")
    try:
        stopped_service_answers(stack)
        # The dashboard, a caller of the data service: its own JSON 503, at
        # once. Its request (the sync marked "queued") must not run later,
        # when nothing was queued: the page would wait for ever.
        asked = browser.post(
            stack.url("dashboard") + "/api/sync",
            headers={"X-CSRFToken": csrf},
            timeout=10,
        )
        assert asked.status_code == 503
        assert asked.json()["message"] == (
            "The data service is not answering: try again in a moment."
        )
    finally:
        stack.circusctl("start", "dataservice", "--waiting")
    wait_until(lambda: stack.healthy("dataservice"), timeout=30)
    time.sleep(2)  # what the service would run late, it has run by now
    assert requests.get(sync_url, headers=runner, timeout=10).json() == before


# nginx killed ---------------------------------------------------------------


def test_nginx_killed_with_sigkill_refuses_no_connection(c9_fault_stack):
    stack = c9_fault_stack
    if not stack.nginx:
        services.missing(
            "nginx or its Lua module not found; install them with: "
            "sudo apt-get install nginx libnginx-mod-http-lua"
        )
    urls = [f"{stack.url(name)}/health" for name in ("dashboard", "dataservice")]
    outcomes: list[str] = []
    stop = threading.Event()

    def load(url: str) -> None:
        for _ in range(3000):  # a new connection each time: each one counts
            try:
                answer = requests.get(url, timeout=10)
                outcomes.append(str(answer.status_code))
            except requests.RequestException as error:
                outcomes.append(type(error).__name__)
            if stop.wait(0.05):
                return

    threads = [threading.Thread(target=load, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    left_behind = set()
    try:
        for _ in range(3):
            time.sleep(1)
            (master,) = pids(stack, "nginx")
            left_behind |= set(psutil.Process(master).children())  # its worker
            os.kill(master, signal.SIGKILL)
            wait_until(lambda m=master: recovered(stack, "nginx", {m}), timeout=30)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(outcomes) > 50
    assert {outcome for outcome in outcomes} == {"200"}, outcomes
    # The killed masters' workers finished and went.
    wait_until(
        lambda: all(
            not p.is_running() or p.status() == psutil.STATUS_ZOMBIE
            for p in left_behind
        ),
        timeout=30,
    )
