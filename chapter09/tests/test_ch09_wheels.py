"""What each built wheel carries: its service's code and what it needs,
nothing more (chapter 9, "The setup.py file")."""

import zipfile

import pytest

from chapter09.build import entry_module
from chapter09.imports import import_closure

pytestmark = pytest.mark.slow

# Each wheel's packages: the folders its Python files are in.
PACKAGES = {
    "dashboard": [
        "chapter02/skeleton",
        "chapter04/monolith",
        "chapter06",
        "chapter07",
        "chapter08/dashboard",
        "chapter09",
        "chapter09/commands",
    ],
    "dataservice": [
        "chapter02/skeleton",
        "chapter04",
        "chapter04/dataservice",
        "chapter04/monolith",
        "chapter06",
        "chapter07",
        "chapter08/dataservice",
        "chapter09",
        "chapter09/commands",
    ],
    "stravaworker": [
        "chapter04/monolith",
        "chapter07",
        "chapter08/stravaworker",
        "chapter09/commands",
    ],
    "tokendealer": [
        "chapter02/skeleton",
        "chapter07",
        "chapter07/tokendealer",
        "chapter08/tokendealer",
        "chapter09",
        "chapter09/commands",
    ],
}
# Of chapter 4's monolith, the parts each service uses; never the app, its
# views, forms or templates (the wheels carried all of it, for the Strava
# client, while importing a module ran the package's whole __init__.py).
MONOLITH = {
    "dashboard": ["__init__.py", "strava_client.py"],
    "dataservice": [
        "__init__.py",
        "config.py",
        "emails.py",
        "models.py",
        "strava_client.py",
    ],
    "stravaworker": ["__init__.py", "strava_client.py"],
}
# Release 2: release 1's, and its migrations.
PACKAGES["dataservice2"] = sorted(
    PACKAGES["dataservice"]
    + [
        "chapter09/dataservice2",
        "chapter09/dataservice2/migrations",
        "chapter09/dataservice2/migrations/versions",
    ]
)
MONOLITH["dataservice2"] = MONOLITH["dataservice"]


def python_files(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if name.endswith(".py")}


@pytest.mark.parametrize("project", sorted(PACKAGES))
def test_each_wheel_carries_these_packages(c9_dist, project):
    files = python_files(c9_dist[project]["wheel"])
    assert sorted({name.rpartition("/")[0] for name in files}) == PACKAGES[project]


@pytest.mark.parametrize("project", sorted(MONOLITH))
def test_of_the_monolith_a_wheel_carries_the_parts_its_service_uses(c9_dist, project):
    files = python_files(c9_dist[project]["wheel"])
    monolith = sorted(
        name.removeprefix("chapter04/monolith/")
        for name in files
        if name.startswith("chapter04/monolith/")
    )
    assert monolith == MONOLITH[project]


@pytest.mark.parametrize("project", sorted(PACKAGES))
def test_each_wheel_carries_the_modules_its_command_imports(c9_dist, project):
    """The built wheel, not only the patterns (test_ch09_imports.py): what
    following the imports finds, plus what is loaded by path (migrations)."""
    files = python_files(c9_dist[project]["wheel"])
    imported = {path.as_posix() for path in import_closure(entry_module(project))}
    by_path = {name for name in files if "/migrations/" in name}
    assert files == imported | by_path
