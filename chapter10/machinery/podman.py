"""Ours: podman with this chapter's settings, and images built offline.

No image registry is reachable here, so nothing is pulled: the base image is
made on this machine, once, with ``mmdebstrap`` (a Debian bookworm with
Python) and ``podman import``, and kept in podman's store, where the next
build finds it. Images are built with ``--network none``, from a context
that holds the wheels (:func:`build_context`, with :mod:`..wheelhouse`).
``python -m chapter10`` and the tests (``testkit/podman.py``) build this way.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..wheelhouse import wheelhouse

HERE = Path(__file__).resolve().parents[1]
CONTAINERS_CONF = HERE / "containers.conf"
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
# One builder at a time per machine: tests in parallel share podman's store.
LOCK_FILE = Path(tempfile.gettempdir()) / "runnerly-podman.lock"
# Debian installs some of these tools in sbin, not on every user's PATH.
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]
)


class PodmanError(RuntimeError):
    pass


class Missing(PodmanError):
    """A tool is not installed, or does not work here; the text says which."""


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
    """The ``podman`` command with this chapter's settings (``containers.conf``)."""

    binary: str
    conf: Path | None = None

    @classmethod
    def found(cls, conf: Path | None = None):
        """This machine's podman, working; :class:`Missing` says why not."""
        binary = shutil.which("podman", path=SEARCH_PATH)
        if binary is None:
            raise Missing(f"podman not found; install it with: {INSTALL}")
        engine = cls(binary, conf)
        info = engine.run("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False)
        if info.returncode != 0:
            raise Missing(f"podman does not work here ({info.stderr.strip()[:200]})")
        return engine

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
                raise Missing(f"mmdebstrap not found; install it with: {INSTALL}")
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

    def can_make(self, name: str = BASE_IMAGE) -> None:
        """:class:`Missing` unless the base image is here or can be made."""
        if not self.image_exists(name) and not shutil.which(
            "mmdebstrap", path=SEARCH_PATH
        ):
            raise Missing(f"mmdebstrap not found; install it with: {INSTALL}")

    def python_version(self, image: str) -> str:
        """The image's Python version (Debian 12's: 3.11.2): the wheels'
        dependencies are chosen for it, not for the Python building them."""
        command = "import platform; print(platform.python_version())"
        return self.run(
            "run", "--rm", "--network=none", image, "python3", "-c", command
        ).stdout.strip()

    def build(
        self,
        tag: str,
        dockerfile: Path,
        context: Path,
        build_args: dict[str, str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> str:
        """``podman build`` with no network; layers are cached between runs.

        The docker format keeps ``HEALTHCHECK`` (the OCI format drops it).
        ``progress`` gets each line podman prints, as it prints it.
        """
        args = [f"--build-arg={k}={v}" for k, v in (build_args or {}).items()]
        command = [
            "build", "--network=none", "--format=docker", "--layers",
            "--file", str(dockerfile), "--tag", tag, *args, str(context),
        ]  # fmt: skip
        with machine_lock():
            if progress is None:
                self.run(*command, timeout=600)
            else:
                self._streamed(command, progress)
        return tag

    def _streamed(self, args: list[str], progress: Callable[[str], None]) -> None:
        with subprocess.Popen(
            [self.binary, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process:
            lines = []
            try:
                for line in process.stdout:
                    lines.append(line)
                    progress(line.rstrip("\n"))
            except BaseException:  # Ctrl-C, SIGTERM: the build stops too
                process.terminate()
                raise
        if process.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args)} exited {process.returncode}:\n"
                + "".join(lines[-40:])
            )


def build_context(workdir: Path, wheels=(), requirements=(), python=None) -> Path:
    """A build context as a reader's ``chapter10/`` folder: the wheels, the
    health check, the .dockerignore (and the full stack's settings)."""
    context = workdir / "context"
    context.mkdir()
    for name in ("healthcheck.py", ".dockerignore", "fullstack"):
        copy = shutil.copytree if (HERE / name).is_dir() else shutil.copy2
        copy(HERE / name, context / name)
    wheelhouse(context / "wheels", wheels, requirements, python)
    return context
