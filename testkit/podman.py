"""Containers for the tests (chapter 10): podman, a local base image, images
built with no network and run on the loopback interface.

No image registry is reachable here, so nothing is pulled: the base image is
made on this machine, once, with ``mmdebstrap`` (a Debian bookworm with
Python) and ``podman import``, and kept in podman's store, where the next run
finds it. Images are built with ``--network none`` (their wheels come from the
host) and run with ``--network host`` on a free port of 127.0.0.1, read-only.

Where podman is missing the test skips with one line saying how to install
it; under ``REQUIRE_SERVICES=1`` that is a failure (:func:`services.missing`).
"""

import io
import json
import re
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The build itself is chapter 10's (``python -m chapter10`` builds the same
# way); the tests add the layer scan, containers and skipping.
from chapter10.machinery import podman as engine
from chapter10.machinery.podman import (  # noqa: F401 (the tests' names)
    BASE_IMAGE,
    BASE_PACKAGES,
    INSTALL,
    NO_MAIN_CLUSTER,
    SERVICES_IMAGE,
    SERVICES_PACKAGES,
    PodmanError,
    machine_lock,
)

from . import waiting
from .ports import LOCALHOST, free_port
from .services import missing

# What must never be in an image: key material and local settings.
# A PEM block: the BEGIN line, then base64 (a library that only names the
# marker, as cryptography's ssh.py does, is not a key).
PRIVATE_KEY = re.compile(
    rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n(?:[\w-]+: .*\r?\n)*[A-Za-z0-9+/]{40}"
)
SECRET_NAMES = re.compile(r"(^|/)(\.env(\..*)?|instance|id_rsa|id_ed25519)(/|$)")


@dataclass
class Podman(engine.Podman):
    """chapter 10's podman, with what the tests add: a scan of the image's
    layers, containers on free loopback ports, and a skip (with the install
    hint) where a tool is missing."""

    def base_image(self, *args, **options) -> str:
        try:
            return super().base_image(*args, **options)
        except engine.Missing as error:
            missing(str(error))

    def layer_files(self, image: str, skip_base: str | None = None):
        """Every file of every layer of ``image``: (name, bytes) pairs.

        The layers ``skip_base`` already has (the base image's) are left out.
        """
        skipped = set()
        if skip_base is not None:
            skipped = set(self.inspect(skip_base)["RootFS"]["Layers"])
        with tempfile.TemporaryDirectory(prefix="runnerly-save-") as workdir:
            archive = Path(workdir) / "image.tar"
            self.run("save", "--format=docker-archive", "-o", str(archive), image)
            with tarfile.open(archive) as outer:
                manifest = json.load(outer.extractfile("manifest.json"))[0]
                config = json.load(outer.extractfile(manifest["Config"]))
                diff_ids = config["rootfs"]["diff_ids"]
                for layer, diff_id in zip(manifest["Layers"], diff_ids, strict=True):
                    if diff_id in skipped:
                        continue
                    data = outer.extractfile(layer).read()
                    with tarfile.open(fileobj=io.BytesIO(data)) as inner:
                        for member in inner:
                            content = b""
                            if member.isfile():
                                content = inner.extractfile(member).read()
                            yield member.name, content

    def secrets_in(self, image: str, skip_base: str | None = None) -> list[str]:
        """Paths in the image's layers that look like keys or local settings.

        Compiled programs and libraries (ELF) are not read for PEM blocks:
        Debian's libgnutls carries a key of its own self-tests, part of its
        code, the same in every copy, not key material anyone deployed."""
        found = []
        for name, content in self.layer_files(image, skip_base):
            if SECRET_NAMES.search(name):
                found.append(name)
            elif not content.startswith(b"\x7fELF") and PRIVATE_KEY.search(content):
                found.append(name)
        return found

    # Containers

    def start(
        self,
        image: str,
        *command: str,
        port: int | None = None,
        env: dict[str, str] | None = None,
        options: Sequence[str] = (),
        name: str | None = None,
        network: str = "host",
    ) -> "Container":
        """Run ``image`` detached, read-only, on the host's loopback network
        (or ``network="none"``: its own loopback only).

        ``PORT`` is set to a free port; /tmp is a small tmpfs, as the
        Kubernetes manifests give it an ``emptyDir``.
        """
        port = port or free_port()
        name = name or f"runnerly-test-{port}"
        environment = {"PORT": str(port), **(env or {})}
        self.run("rm", "--force", "--ignore", name)
        self.run(
            "run", "--detach", "--name", name,
            f"--network={network}", "--read-only", "--tmpfs=/tmp:size=64m",
            *[f"--env={k}={v}" for k, v in environment.items()],
            *options, image, *command,
        )  # fmt: skip
        return Container(self, name, port)


@dataclass
class Container:
    podman: Podman
    name: str
    port: int
    stopped_in: float | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def running(self) -> bool:
        state = self.podman.inspect(self.name, "container")["State"]
        return bool(state["Running"])

    def logs(self) -> str:
        result = self.podman.run("logs", self.name, check=False)
        return result.stdout + result.stderr

    def wait_for(
        self, path: str = "/health", expect: int = 200, timeout: float = 30.0
    ) -> None:
        """Wait until ``GET path`` answers ``expect``; fail at once if it exits."""
        self.wait_until(
            lambda: self.status(path) == expect, timeout, f"{self.url}{path}", 0.1
        )

    def wait_until(
        self, condition, timeout: float = 30.0, what: str = "", interval: float = 0.2
    ) -> None:
        """Poll ``condition()`` until true; fail at once if the container exits."""

        def met() -> bool:
            if condition():
                return True
            if not self.running():
                raise PodmanError(f"{self.name} exited:\n{self.logs()}")
            return False

        waiting.wait_until(
            met, timeout, interval, lambda: f"{what or self.name} ready:\n{self.logs()}"
        )

    def status(self, path: str) -> int | None:
        """The HTTP status of ``GET path``, None when nothing answers."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def exec(self, *command: str, check: bool = True) -> str:
        return self.podman.run("exec", self.name, *command, check=check).stdout

    def healthcheck(self) -> bool:
        """Run the image's ``HEALTHCHECK`` now (podman runs it on a systemd
        timer otherwise, which a test machine may not have)."""
        result = self.podman.run("healthcheck", "run", self.name, check=False)
        return result.returncode == 0

    def stop(self, timeout: int = 10) -> float:
        """SIGTERM (SIGKILL after ``timeout`` s); the seconds it took."""
        started = time.monotonic()
        self.podman.run("stop", "--time", str(timeout), self.name, check=False)
        self.stopped_in = time.monotonic() - started
        return self.stopped_in

    def remove(self) -> None:
        self.podman.run("rm", "--force", "--ignore", self.name, check=False)


def podman(conf: Path | None = None) -> Podman:
    """The podman of this machine, working, or skip with the install hint."""
    try:
        return Podman.found(conf)
    except engine.Missing as error:
        missing(str(error))
