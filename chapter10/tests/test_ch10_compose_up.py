"""Book: chapter 10, "Docker Compose": the stack brought up, used and taken down.

podman-compose brings up compose.yaml with its host-network override
(compose.host.yaml: only loopback traffic here), from the images the suite
builds, the official nginx, Redis and PostgreSQL images replaced by local
stand-ins (``standins/``). Chapter 08's end-to-end scenario then runs in
Chromium against it, through nginx and chapter 07's WAF: log in through the
fake Strava, sync, read the runs and totals, log out. Then ``down --volumes``
must leave no container, pod, network or volume of the project.

podman 4.3 has no ``podman wait --condition=healthy`` (4.6 has), so
podman-compose 1.6 does not wait for the health of what a service
``depends_on``; and the ``--requires`` links it gives each container make
podman 4.3 fail to start a service whose dependency has dependencies of its
own. So the test brings the stack up in the order of ``depends_on`` itself,
one step at a time with ``--no-deps``, and waits after each step: for the
health checks, run by hand (``podman healthcheck run``: podman runs them on
systemd timers otherwise, which this machine has not), and for ``migrate``
to have exited 0.
"""

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from chapter10 import make_secrets
from chapter10.tests.helpers import IMAGE_TAG
from testkit.browser import chromium_page
from testkit.ports import free_port
from testkit.runnerly import log_in_sync_read_the_totals_and_log_out
from testkit.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

HERE = Path(__file__).resolve().parent.parent
PODMAN_COMPOSE = Path(sys.executable).parent / "podman-compose"
FILES = ("-f", str(HERE / "compose.yaml"), "-f", str(HERE / "compose.host.yaml"))
PORTS = (
    "nginx", "dashboard", "dataservice", "tokendealer", "fakestrava",
    "redis", "postgres",
)  # fmt: skip
# compose.yaml's depends_on, in order: each step's services, started once the
# step before is healthy, and those of them with a health check.
STEPS = (
    (("postgres", "redis", "tokendealer", "fakestrava"),) * 2,
    (("migrate",), ()),
    (("dataservice", "stravaworker", "dashboard"), ("dataservice", "dashboard")),
    (("nginx",), ()),
)
UP_TIMEOUT = 300
LABEL = "io.podman.compose.project"


def host_site(ports: dict[str, int]) -> str:
    """nginx/runnerly.conf with the loopback addresses of compose.host.yaml."""
    site = (HERE / "nginx" / "runnerly.conf").read_text()
    changes = {
        "server dashboard:8000;": f"server 127.0.0.1:{ports['dashboard']};",
        "server dataservice:8000;": f"server 127.0.0.1:{ports['dataservice']};",
        "listen 8080;": f"listen 127.0.0.1:{ports['nginx']};",
    }
    for old, new in changes.items():
        assert site.count(old) == 1, old  # the site changed: change this too
        site = site.replace(old, new)
    return site


class Stack:
    """One project of podman-compose: its commands, containers and leftovers."""

    def __init__(self, podman, workdir: Path, images: dict[str, str]):
        self.podman = podman
        self.ports = {name: free_port() for name in PORTS}
        self.project = f"runnerly-compose-{self.ports['nginx']}"
        make_secrets.make(workdir)
        # Compose's `uid: "10001"` for the data service's pgpass, which
        # podman-compose does not apply to a file secret (a bind mount):
        # libpq reads the file only if it is its user's, and no one else's.
        os.chown(workdir / "secrets" / "pgpass", 10001, 10001)
        site = workdir / "runnerly.conf"
        site.write_text(host_site(self.ports))
        self.env_file = workdir / ".env"
        self.env = {
            **podman.env,
            **{f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()},
            "RUNNERLY_TAG": IMAGE_TAG,
            "NGINX_IMAGE": images["nginx"],
            "REDIS_IMAGE": images["redis"],
            "POSTGRES_IMAGE": images["postgres"],
            "RUNNERLY_NGINX_SITE": str(site),
            "RUNNERLY_SECRETS": str(workdir / "secrets"),
            "RUNNERLY_PUBLIC_URL": self.url("nginx"),
        }
        self.output: list[str] = []

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def compose(self, *args: str, timeout: float = UP_TIMEOUT) -> None:
        command = [
            PODMAN_COMPOSE, "--project-name", self.project,
            "--env-file", str(self.env_file), *FILES, *args,
        ]  # fmt: skip
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        self.output.append(result.stdout + result.stderr)
        assert result.returncode == 0, self.output[-1][-4000:]

    def container(self, service: str) -> str:
        (name,) = self.containers(
            f"--filter=label=com.docker.compose.service={service}"
        )
        return name

    def containers(self, *filters: str) -> list[str]:
        return self._names("ps", "--all", "--format={{.Names}}", *filters)

    def volumes(self) -> list[str]:
        return self._names("volume", "ls", "--format={{.Name}}")

    def networks(self) -> list[str]:
        return self._names("network", "ls", "--format={{.Name}}")

    def pods(self) -> list[str]:
        # podman-compose's pod has no label: its name is the project's.
        pod = f"pod_{self.project}"
        exists = self.podman.run("pod", "exists", pod, check=False).returncode == 0
        return [pod] if exists else []

    def _names(self, *command: str) -> list[str]:
        project = f"--filter=label={LABEL}={self.project}"
        return self.podman.run(*command, project).stdout.split()

    def wait_healthy(self, services, timeout: float = 60) -> None:
        """Run each service's health check until it passes (bounded); fail at
        once, with its output, if a container has exited."""
        waiting = {service: self.container(service) for service in services}

        def all_healthy() -> bool:
            for service, name in list(waiting.items()):
                if self.podman.run("healthcheck", "run", name, check=False).returncode:
                    state = self.podman.inspect(name, "container")["State"]
                    assert state["Running"], f"{service} exited:\n{self.logs(service)}"
                else:
                    del waiting[service]
            return not waiting

        def unhealthy() -> str:
            return "\n".join(f"{s}:\n{self.logs(s)}" for s in waiting)

        wait_until(all_healthy, timeout, 0.2, what=unhealthy)

    def wait_exit(self, service: str) -> int:
        """The exit code of a one-shot service, once it has exited."""
        name = self.container(service)
        return int(self.podman.run("wait", name, timeout=120).stdout.strip())

    def wait_answers(self, url: str, timeout: float = 30) -> None:
        """Until nginx answers 200 (bounded): it has started and reaches the
        dashboard."""

        def answers() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    return answer.status == 200
            except OSError:
                return False

        wait_until(answers, timeout, 0.2, what=lambda: self.logs("nginx"))

    def logs(self, service: str) -> str:
        logs = self.podman.run("logs", self.container(service), check=False)
        return logs.stdout + logs.stderr


@pytest.fixture
def images(runnerly_image, fakestrava_image, standin_images) -> dict[str, str]:
    for service in ("dataservice", "tokendealer", "stravaworker", "dashboard"):
        runnerly_image(service)
    return standin_images


def test_the_stack_comes_up_serves_chapter08s_scenario_and_leaves_nothing(
    podman, images, tmp_path
):
    stack = Stack(podman, tmp_path, images)
    try:
        bring_up(stack)
        # The pod, the two named volumes (database, TokenDealer's keys) and
        # the containers exist, with the project's label: what down removes.
        assert stack.pods() == [f"pod_{stack.project}"]
        assert sorted(stack.volumes()) == [
            f"{stack.project}_postgres-data",
            f"{stack.project}_tokendealer-keys",
        ]
        assert len(stack.containers()) == 9

        urls = {"dashboard": stack.url("nginx"), "fakestrava": stack.url("fakestrava")}
        with chromium_page() as page:
            log_in_sync_read_the_totals_and_log_out(page, urls)
    except BaseException:
        for name in stack.containers():  # shown with the failure
            logs = podman.run("logs", "--tail=40", name, check=False)
            print(f"--- {name}\n{logs.stdout}{logs.stderr}")
        raise
    finally:
        stack.compose("down", "--volumes", "--timeout", "10")
    left = (stack.containers(), stack.pods(), stack.volumes(), stack.networks())
    assert left == ([], [], [], [])


def bring_up(stack: Stack) -> None:
    """Compose's steps in order, each healthy (migrate done) before the next;
    then until nginx answers."""
    for services, healthy in STEPS:
        stack.compose("up", "--detach", "--no-deps", *services)
        stack.wait_healthy(healthy)
        if services == ("migrate",):
            assert stack.wait_exit("migrate") == 0, stack.logs("migrate")
    stack.wait_answers(stack.url("nginx") + "/health")
