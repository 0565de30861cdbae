"""Book: chapter 9, "The requirements.txt file": one lock per service, hashed.

``python -m chapter09.locks`` (needs the network) writes
``chapter09/locks/<project>.txt``: the exact version of every distribution
the service needs, dependencies of dependencies included, each with the
hashes of its files, from the project's ranges, constrained by the
repository's ``requirements.txt`` (so a service runs the versions the suite
tested). A lock per service, not one for the stack: each service is deployed
on its own, in its own environment, and upgrades its libraries on its own
schedule; one lock would tie them all to every library any of them uses.
``pip install --require-hashes -r locks/dataservice.txt`` then refuses any
file whose hash differs: a tampered or re-uploaded release cannot slip in.
"""

import subprocess

from uv import find_uv_bin

from .build import PROJECTS
from .deploy import LOCKS
from .imports import ROOT


def lock_command(project: str) -> list[str]:
    return [
        find_uv_bin(), "pip", "compile", "--quiet", "--generate-hashes",
        "--python-version", "3.11",
        "--constraint", "requirements.txt",
        "--custom-compile-command", "python -m chapter09.locks",
        str((PROJECTS / project / "pyproject.toml").relative_to(ROOT)),
        "--output-file", str((LOCKS / f"{project}.txt").relative_to(ROOT)),
    ]  # fmt: skip


def main() -> None:
    for project in sorted(path.name for path in PROJECTS.iterdir()):
        subprocess.run(lock_command(project), cwd=ROOT, check=True)
        print(LOCKS / f"{project}.txt")


if __name__ == "__main__":
    main()
