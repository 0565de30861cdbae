"""Chapter 9 fixtures: the wheels, built once per run, and their environments."""

from pathlib import Path

import pytest

from chapter09.build import PROJECTS, build
from chapter09.deploy import LOCKS, install


@pytest.fixture(scope="session")
def c9_dist(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Every project's sdist and wheel, built once: ``{"dataservice": {...}}``."""
    out = tmp_path_factory.mktemp("dist")
    built = {}
    for project in sorted(path.name for path in PROJECTS.iterdir()):
        paths = build(project, out / project)
        built[project] = {
            "sdist": next(p for p in paths if p.name.endswith(".tar.gz")),
            "wheel": next(p for p in paths if p.suffix == ".whl"),
        }
    return built


@pytest.fixture(scope="session")
def c9_venvs(tmp_path_factory, c9_dist):
    """``c9_venvs("dataservice")``: the ``bin`` folder of an environment,
    outside the repository, where the project's lock and wheel are installed
    (made once per run and project)."""
    made: dict[str, Path] = {}

    def venv(project: str) -> Path:
        if project not in made:
            folder = tmp_path_factory.mktemp(f"venv-{project}")
            made[project] = install(
                c9_dist[project]["wheel"], folder / "venv", LOCKS / f"{project}.txt"
            )
        return made[project]

    return venv
