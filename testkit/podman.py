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

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .ports import LOCALHOST, free_port
from .services import SEARCH_PATH, missing

INSTALL = "sudo apt-get install podman runc catatonit mmdebstrap"
BASE_IMAGE = "localhost/runnerly-base:bookworm"
# What the services need from Debian: Python with venv (pip comes with it),
# CA certificates for HTTPS; nothing to compile with.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
# The third-party parts of chapter 10's Compose stack (nginx with the Lua
# module for chapter 07's WAF, Redis, PostgreSQL) in one base, for the local
# stand-ins of the official images no registry here can give.
SERVICES_IMAGE = "localhost/runnerly-services:bookworm"
SERVICES_PACKAGES = (
    "nginx", "libnginx-mod-http-lua", "redis-server", "postgresql-15",
)  # fmt: skip
# Debian's postgresql-15 makes a cluster when installed: the image's
# entry point makes its own in the data volume, so none in a layer. And
# Debian's ssl-cert, which nginx and PostgreSQL bring, makes a "snakeoil" key
# pair when installed: a private key in the base layer of every stand-in,
# the same in every container, used by nothing here. Removed before the
# layer is made (a later RUN rm would leave it in the layer below).
NO_MAIN_CLUSTER = (
    '--essential-hook=mkdir -p "$1/etc/postgresql-common" && echo'
    ' create_main_cluster = false > "$1/etc/postgresql-common/createcluster.conf"',
    '--customize-hook=rm -f "$1/etc/ssl/private/ssl-cert-snakeoil.key"'
    ' "$1/etc/ssl/certs/ssl-cert-snakeoil.pem"',
)
# Documentation and translations are of no use in an image.
EXCLUDED_PATHS = ("/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*")
# One builder at a time per machine: pytest-xdist workers share podman's store.
LOCK_FILE = Path(tempfile.gettempdir()) / "runnerly-podman.lock"

# What must never be in an image: key material and local settings.
# A PEM block: the BEGIN line, then base64 (a library that only names the
# marker, as cryptography's ssh.py does, is not a key).
PRIVATE_KEY = re.compile(
    rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n(?:[\w-]+: .*\r?\n)*[A-Za-z0-9+/]{40}"
)
SECRET_NAMES = re.compile(r"(^|/)(\.env(\..*)?|instance|id_rsa|id_ed25519)(/|$)")


class PodmanError(RuntimeError):
    pass


@contextmanager
def machine_lock() -> Iterator[None]:
    with LOCK_FILE.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass
class Podman:
    """The ``podman`` command with this suite's settings (``containers.conf``)."""

    binary: str
    conf: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.conf is not None:
            env["CONTAINERS_CONF"] = str(self.conf)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 300, **options):
        """Run ``podman ARGS``; its completed process (text output)."""
        result = subprocess.run(
            [self.binary, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            **options,
        )
        if check and result.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        return result

    def image_exists(self, name: str) -> bool:
        return self.run("image", "exists", name, check=False).returncode == 0

    def inspect(self, name: str, kind: str = "image") -> dict:
        return json.loads(self.run(kind, "inspect", name).stdout)[0]

    def image_size(self, name: str) -> int:
        return int(self.inspect(name)["Size"])

    # Images

    def base_image(
        self,
        name: str = BASE_IMAGE,
        packages: Sequence[str] = BASE_PACKAGES,
        options: Sequence[str] = (),
    ) -> str:
        """A local Debian base image with ``packages``, made once and reused
        while it exists and was made from the same recipe (its label);
        ``options`` go to mmdebstrap (hooks)."""
        recipe = hashlib.sha256(repr((name, *packages, *options)).encode())
        label = f"org.runnerly.recipe={recipe.hexdigest()[:16]}"
        with machine_lock():
            if self.image_exists(name):
                labels = self.inspect(name)["Config"].get("Labels") or {}
                if f"org.runnerly.recipe={labels.get('org.runnerly.recipe')}" == label:
                    return name
                self.run("rmi", "--force", name)  # an older recipe: made again
            mmdebstrap = shutil.which("mmdebstrap", path=SEARCH_PATH)
            if mmdebstrap is None:
                missing(f"mmdebstrap not found; install it with: {INSTALL}")
            with tempfile.TemporaryDirectory(prefix="runnerly-base-") as workdir:
                rootfs = Path(workdir) / "rootfs.tar"
                excluded = [f"--dpkgopt=path-exclude={path}" for path in EXCLUDED_PATHS]
                subprocess.run(
                    [
                        mmdebstrap, "--quiet", "--variant=minbase",
                        f"--include={','.join(packages)}",
                        *excluded, *options, "bookworm", str(rootfs),
                    ],
                    check=True, capture_output=True, timeout=600,
                )  # fmt: skip
                self.run(
                    "import",
                    "--change", "ENV LANG=C.UTF-8",
                    "--change", f"LABEL {label}",
                    "--change", 'CMD ["python3"]',
                    str(rootfs), name,
                )  # fmt: skip
        return name

    def build(
        self,
        tag: str,
        dockerfile: Path,
        context: Path,
        build_args: dict[str, str] | None = None,
    ) -> str:
        """``podman build`` with no network; layers are cached between runs.

        The docker format keeps ``HEALTHCHECK`` (the OCI format drops it).
        """
        args = [f"--build-arg={k}={v}" for k, v in (build_args or {}).items()]
        with machine_lock():
            self.run(
                "build", "--network=none", "--format=docker", "--layers",
                "--file", str(dockerfile), "--tag", tag, *args, str(context),
                timeout=600,
            )  # fmt: skip
        return tag

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
        deadline = time.monotonic() + timeout
        while True:
            if self.status(path) == expect:
                return
            if not self.running():
                raise PodmanError(f"{self.name} exited:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise PodmanError(f"{self.url}{path} not ready:\n{self.logs()}")
            time.sleep(0.1)

    def wait_until(self, condition, timeout: float = 30.0) -> None:
        """Poll ``condition()`` until true; fail at once if the container exits."""
        deadline = time.monotonic() + timeout
        while not condition():
            if not self.running():
                raise PodmanError(f"{self.name} exited:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise PodmanError(f"{self.name} not ready:\n{self.logs()}")
            time.sleep(0.2)

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
    binary = shutil.which("podman", path=SEARCH_PATH)
    if binary is None:
        missing(f"podman not found; install it with: {INSTALL}")
    engine = Podman(binary, conf)
    info = engine.run("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False)
    if info.returncode != 0:
        missing(f"podman does not work here ({info.stderr.strip()[:200]})")
    return engine
