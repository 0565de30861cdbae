"""Book: chapter 9, "Packaging": build a service's sdist and wheel.

``python -m chapter09.build dataservice`` writes
``runnerly_dataservice-1.0.0.tar.gz`` and ``...-py3-none-any.whl`` to
``chapter09/dist``.

A service's project (``chapter09/projects/dataservice/pyproject.toml``)
names files of the whole repository (``chapter08/dataservice/...``,
``chapter02/skeleton/...``), since the service is made of them; but a build
backend only takes files under the project's own folder. hatchling's
``force-include`` can reach outside it for the wheel, not for the wheel
built from the sdist (the path is gone once the sdist is unpacked). So the
build copies the project's files and every file its ``include`` patterns
match into a temporary folder laid out as the repository, and builds there:
the sdist holds the same tree, and the wheel built from it matches too::

    >>> project = read_project("tokendealer")
    >>> "chapter08/tokendealer/exchange.py" in wheel_includes(project)
    True
    >>> entry_module("tokendealer")  # what its console script runs
    'chapter09.commands.tokendealer'
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from pathspec import GitIgnoreSpec

from .imports import ROOT

PROJECTS = Path(__file__).resolve().parent / "projects"
DIST = Path(__file__).resolve().parent / "dist"
# Never shipped, whatever a pattern matches: compiled files, the tests.
NEVER = ("__pycache__", "tests")


def read_project(name: str) -> dict:
    """Project ``name``'s ``pyproject.toml``, as a dict."""
    return tomllib.loads((PROJECTS / name / "pyproject.toml").read_text())


def wheel_includes(project: dict) -> list[str]:
    return project["tool"]["hatch"]["build"]["targets"]["wheel"]["include"]


def entry_module(name: str) -> str:
    """The module project ``name``'s console script (``[project.scripts]``)
    runs: where following the imports starts."""
    (target,) = read_project(name)["project"]["scripts"].values()
    return target.split(":")[0]


def matching_files(patterns: list[str], root: Path = ROOT) -> list[Path]:
    """Files of ``root`` that hatchling's gitignore-style ``patterns`` match."""
    spec = GitIgnoreSpec.from_lines(patterns)
    tops = {pattern.strip("/").split("/")[0] for pattern in patterns}
    found = []
    for top in sorted(tops):
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not set(relative.parts) & set(NEVER):
                if spec.match_file(relative.as_posix()):
                    found.append(relative)
    return found


def stage(project_dir: Path, folder: Path, pyproject: str | None = None) -> Path:
    """The project's files and the repository files it includes, in ``folder``.

    ``pyproject``: another text for ``pyproject.toml`` (the tests remove a
    line of it to show what goes missing).
    """
    for path in project_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    if pyproject is not None:
        (folder / "pyproject.toml").write_text(pyproject)
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    for relative in matching_files(wheel_includes(project)):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, folder / relative)
    return folder


def sources(name: str) -> list[Path]:
    """Every file a build of project ``name`` reads, relative to the root."""
    project_dir = PROJECTS / name
    own = [p.relative_to(ROOT) for p in sorted(project_dir.iterdir()) if p.is_file()]
    return own + matching_files(wheel_includes(read_project(name)))


def build(
    name: str, out: Path = DIST, pyproject: str | None = None, wheel_only=False
) -> list[Path]:
    """Build project ``name`` into ``out``: the sdist, then the wheel from it.

    Offline: the build backend (hatchling) is the one installed here
    (``--no-isolation``), not one downloaded into a fresh environment.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"build-{name}-") as folder:
        staged = stage(PROJECTS / name, Path(folder), pyproject)
        targets = ["--wheel"] if wheel_only else []
        before = set(out.iterdir())
        done = subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", *targets]
            + ["--outdir", str(out), str(staged)],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"building {name} failed:\n{done.stdout}{done.stderr}")
    return sorted(set(out.iterdir()) - before)


def main() -> None:
    parse = argparse.ArgumentParser(prog="python -m chapter09.build")
    parse.add_argument("projects", nargs="*", help="default: every project")
    parse.add_argument("--outdir", type=Path, default=DIST)
    args = parse.parse_args()
    names = args.projects or sorted(path.name for path in PROJECTS.iterdir())
    for name in names:
        for path in build(name, args.outdir):
            print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd())
                  else path)  # fmt: skip


if __name__ == "__main__":
    main()
