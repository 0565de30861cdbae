"""Book: chapter 9, "Distributing": a service installed in its own environment.

One virtual environment per service, outside the repository: the service's
lock first (``locks/<project>.txt``, every version exact, every file's hash
checked, so what runs is what was tested), then its wheel without
dependencies (the lock has them). Each service gets its own environment
because two services may need different versions of a library, and because
their wheels share files (chapter 2's skeleton is in three of them): in one
environment, uninstalling one service would remove another's files.

uv does it in a fraction of a second from its cache, offline; without uv,
``python -m venv`` and pip do the same, from the network.

``python -m chapter09.deploy dataservice /tmp/dataservice-env`` builds the
project's wheel and installs it so; the service's command is then in the
environment's ``bin``.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LOCKS = Path(__file__).resolve().parent / "locks"


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)}:\n{done.stdout}{done.stderr}")


def install(wheel: Path, venv: Path, lock: Path, python: str = sys.executable) -> Path:
    """A new environment ``venv`` with ``lock`` and ``wheel``; its ``bin``."""
    if shutil.which("uv"):
        run(["uv", "venv", "-q", "--python", python, str(venv)])
    else:
        run([python, "-m", "venv", str(venv)])
    return install_into(venv, wheel, lock)


def install_into(venv: Path, wheel: Path, lock: Path) -> Path:
    """Install (or upgrade to) ``lock`` and ``wheel`` in ``venv``; its ``bin``."""
    uv = shutil.which("uv")
    if uv:
        target = ["--python", str(venv / "bin" / "python")]
        locked = [uv, "pip", "install", "-q", *target, "--require-hashes"]
        try:  # the cache first: no network needed when it holds the lock
            run([*locked, "--offline", "-r", str(lock)])
        except RuntimeError:
            run([*locked, "-r", str(lock)])
        run([uv, "pip", "install", "-q", *target, "--no-deps", str(wheel)])
    else:
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        run([*pip, "--require-hashes", "-r", str(lock)])
        run([*pip, "--no-deps", str(wheel)])
    return venv / "bin"


def main(argv: list[str] | None = None) -> None:
    from .build import PROJECTS, build  # the build step: not needed to install

    parse = argparse.ArgumentParser(prog="python -m chapter09.deploy")
    parse.add_argument("project", choices=sorted(p.name for p in PROJECTS.iterdir()))
    parse.add_argument("venv", type=Path, help="the new environment's folder")
    args = parse.parse_args(argv)
    with tempfile.TemporaryDirectory() as dist:
        (wheel,) = build(args.project, Path(dist), wheel_only=True)
        bin_folder = install(wheel, args.venv, LOCKS / f"{args.project}.txt")
    print(f"{wheel.name} installed in {args.venv}; its commands are in {bin_folder}")


if __name__ == "__main__":
    main()
