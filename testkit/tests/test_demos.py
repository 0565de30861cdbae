"""Every chapter's one-command demo, as an instructor runs it in front of a
class: the first command of the chapter README's "Run it", listed in the
root README's table for instructors. Each is started as typed (Ctrl-C
restored, as in a terminal), what it prints is read, the address it prints
is asked, then Ctrl-C: it exits, no process it started is left, and its
ports are free again."""

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from testkit.ports import free_port_base, port_is_open
from testkit.servers import ROOT, ServerProcess
from testkit.waiting import wait_until


@dataclass(frozen=True)
class Demo:
    chapter: str
    command: str  # as the README and the instructors' table give it
    path: str  # asked at the address the demo prints
    offset: int | None = None  # None: one server on $PORT; else BASE+offset
    expect: int = 200
    body: str = ""  # in the answer
    ports: tuple[int, ...] = ()  # BASE+n, all free again once it stops
    prints: str = ""  # a pattern in what it prints, besides the address

    @property
    def argv(self) -> list[str]:
        words = shlex.split(self.command)
        assert words[0] == "python", words
        return [sys.executable, *words[1:]]


DEMOS = [
    Demo("01", "python -m chapter01.hello_wsgi", "/", body='"time"'),
    Demo("02", "python chapter02/flask_basic.py", "/api", body="World!"),
    Demo("03", "python -m chapter03.tracker", "/api/bugs/1", body="assignee"),
    Demo("04", "python -m chapter04.monolith", "/login", body="Log in"),
    Demo(
        "05", "python -m chapter05.session_extension", "/api/runners/tarek/stats",
        body='"runner":"tarek"',
    ),
    Demo(
        "06", "python -m chapter06", "/messages?request_id=demo-1", offset=4,
        body='"_service":"data"', ports=(1, 2, 3, 4, 5),
        prints=r"/spans\?trace_id=[0-9a-f]{32}",  # the request's trace, found
    ),
    Demo(
        "07", "python -m chapter07", "/users", offset=2, expect=401, ports=(1, 2, 3),
        prints=r"with demo's token: +200 \[\]",  # the token it got, used
    ),
    Demo("08", "python -m chapter08", "/health", offset=2, ports=(1, 2, 3, 4)),
    Demo(
        "09", "python -m chapter09", "/health", offset=2,
        ports=(1, 2, 3, 4, 12, 13, 55, 56),
    ),
    Demo(
        "10", "python -m chapter10", "/health", offset=1, body='"version": "1.0.0"',
        ports=(1,), prints="chapter10: built localhost/runnerly-dataservice:1.0.0",
    ),
]  # fmt: skip
# Where podman is missing, chapter 10 deploys on moto instead: that too.
AWS = Demo("10", "python -m chapter10", "/moto-api/", offset=1, body="moto", ports=(1,))
BY_CHAPTER = {demo.chapter: demo for demo in DEMOS}
# A single server is up once it prints its URL; a stack, once its banner ends.
BANNER_END = "Ctrl-C stops everything"


def start(
    demo: Demo, folder: Path, env: dict[str, str]
) -> tuple[ServerProcess, list[int], str]:
    """The demo running (its command as typed, SIGINT at its default, a
    session of its own), its ports, and the URL it was asked at."""
    if demo.offset is None:
        server = ServerProcess(demo.argv, timeout=60)
        ports = [server.port]
    else:
        base = free_port_base()
        ports = [base + n for n in demo.ports]
        server = ServerProcess(demo.argv, port=base + demo.offset, timeout=180)
        # Chapter 09's environments built in the test's folder: another test
        # (its README's run) may be building them in the shared one now.
        env = {**env, "RUNNERLY_PORT_BASE": str(base), "RUNNERLY_BUILDS": str(folder)}
    server.env.update(env)
    ready = BANNER_END if demo.offset is not None else server.url
    server.ready = lambda: ready in server.output()
    try:
        server.start()
    except RuntimeError as error:  # its output says why
        pytest.fail(str(error), pytrace=False)
    return server, ports, server.url + demo.path


def printed_urls(output: str) -> set[str]:
    return set(re.findall(r"http://127\.0\.0\.1:\d+", output))


def ctrl_c(server: ServerProcess) -> tuple[int, str]:
    """SIGINT to its process group, as a terminal sends it; its exit code."""
    started = psutil.Process(server.process.pid).children(recursive=True)
    os.killpg(server.process.pid, signal.SIGINT)
    code = server.process.wait(timeout=60)
    gone, alive = psutil.wait_procs(started, timeout=10)
    left = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline() for p in left]
    return code, server.stop()


def check(demo: Demo, folder: Path, env: dict[str, str] | None = None) -> str:
    server, ports, url = start(demo, folder, env or {})
    try:
        output = server.output()
        # What it prints points at the address asked.
        assert server.url in printed_urls(output), output
        assert re.search(demo.prints, output), (demo.prints, output)
        answer = requests.get(url, timeout=10)
        assert answer.status_code == demo.expect, (url, answer.text, output)
        assert demo.body in answer.text, (url, answer.text)
        code, output = ctrl_c(server)
    finally:
        server.stop()
    assert code in (0, -signal.SIGINT, 128 + signal.SIGINT), output
    wait_until(
        lambda: not any(map(port_is_open, ports)),
        timeout=10,
        what=lambda: (
            f"still listening after Ctrl-C: {list(filter(port_is_open, ports))}"
        ),
    )
    return output


@pytest.mark.integration
@pytest.mark.parametrize(
    "demo", [d for d in DEMOS if d.chapter != "10"], ids=lambda d: d.chapter
)
def test_the_demo_starts_answers_and_stops_on_ctrl_c(demo, tmp_path):
    check(demo, tmp_path)


@pytest.mark.integration
def test_chapter10_builds_and_runs_an_image_then_removes_it(podman_installed, tmp_path):
    output = check(BY_CHAPTER["10"], tmp_path)
    (name,) = set(re.findall(r"runnerly-demo-\d+", output))
    left = subprocess.run(
        [podman_installed, "ps", "--all", "--quiet", f"--filter=name={name}"],
        env={**os.environ, "CONTAINERS_CONF": str(ROOT / "chapter10/containers.conf")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert left.stdout == "", f"{name} left behind"


@pytest.mark.integration
def test_chapter10_without_podman_deploys_on_moto(tmp_path):
    # A PATH with this Python's folder only: no podman there.
    output = check(AWS, tmp_path, {"PATH": os.path.dirname(sys.executable)})
    assert "podman not found; install it with: sudo apt-get install" in output
    assert "deploying on moto's local AWS instead" in output
    assert "Chapter 11's stack is deployed" in output
    assert ".elb." in output  # the stack's URL, among its outputs


def run_it_command(chapter: str) -> str | None:
    """The first command of the chapter README's "Run it" section."""
    text = (ROOT / f"chapter{chapter}" / "README.md").read_text()
    section = re.search(r"^## Run it\n(.*?)^## ", text, re.DOTALL | re.MULTILINE)
    if section is None:
        return None
    block = re.search(r"```shell\n(.+?)\n", section.group(1))
    return block and block.group(1).strip()


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.chapter)
def test_the_demo_is_the_first_command_of_the_chapter_readme(demo):
    assert run_it_command(demo.chapter) == demo.command


def instructors_table() -> dict[str, str]:
    """The root README's table for instructors: chapter -> command."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## For instructors", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *\[?(\d\d)\b[^|]*\| *`([^`]+)`", section, re.MULTILINE)
    return dict(rows)


def test_the_root_readme_lists_every_demo_for_instructors():
    assert instructors_table() == {d.chapter: d.command for d in DEMOS}
