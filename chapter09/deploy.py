"""Book: chapter 9, "Distributing": a service installed in its own environment.

One virtual environment per service, outside the repository: the service's
lock first (``locks/<project>.txt``, every version exact, every file's hash
checked, so what runs is what was tested), then its wheel without
dependencies (the lock has them). Each service gets its own environment
because two services may need different versions of a library, and because
their wheels share files (chapter 2's skeleton is in three of them): in one
environment, uninstalling one service would remove another's files.

The tool is uv, a dependency of this repository like any other (pinned in
``requirements.txt``, its binary inside the wheel), called from the virtual
environment it was installed in, never from the PATH. It makes an
environment in a fraction of a second, offline, from the cache that ``make
install`` filled with these same files; a file missing from the cache is
fetched from the index. ``python -m venv`` and ``pip install
--require-hashes -r LOCK`` do the same, from the network, in tens of seconds.

``python -m chapter09.deploy dataservice /tmp/dataservice-env`` builds the
project's wheel and installs it so; the service's command is then in the
environment's ``bin``.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from uv import find_uv_bin

LOCKS = Path(__file__).resolve().parent / "locks"


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)}:\n{done.stdout}{done.stderr}")


def install(wheel: Path, venv: Path, lock: Path, python: str = sys.executable) -> Path:
    """A new environment ``venv`` with ``lock`` and ``wheel``; its ``bin``."""
    run([find_uv_bin(), "venv", "-q", "--python", python, str(venv)])
    return install_into(venv, wheel, lock)


def install_into(venv: Path, wheel: Path, lock: Path) -> Path:
    """Install (or upgrade to) ``lock`` and ``wheel`` in ``venv``; its ``bin``."""
    install_lock(venv, lock)
    python = str(venv / "bin" / "python")
    run(
        [
            find_uv_bin(),
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "--no-deps",
            str(wheel),
        ]
    )
    return venv / "bin"


def install_lock(venv: Path, lock: Path) -> None:
    """Every distribution of ``lock`` in ``venv``, each file's hash checked."""
    locked = [find_uv_bin(), "pip", "install", "-q", "--require-hashes",
              "--python", str(venv / "bin" / "python"), "-r", str(lock)]  # fmt: skip
    try:  # the cache first: make install filled it with these very files
        run([*locked, "--offline"])
    except RuntimeError:  # a file it lacks (after uv cache clean): the index
        run(locked)


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
