"""Build, check, and look inside each sdist and wheel (chapter 9, "Packaging",
"The MANIFEST.in file")."""

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from chapter09.build import PROJECTS, build
from chapter09.imports import ROOT

pytestmark = pytest.mark.slow

# What no import finds and each service reads at run time: the package data.
DATA = {
    "dataservice": ["chapter08/dataservice", "chapter04/dataservice"],
    "dataservice2": ["chapter08/dataservice", "chapter04/dataservice"],
    "dashboard": ["chapter08/dashboard"],
}


def data_files(package: str) -> set[str]:
    """Every file of the package in the repository that is not Python."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
        and "tests" not in path.parts and "__pycache__" not in path.parts
    }  # fmt: skip


def missing_data(wheel: Path, packages: list[str]) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    return set().union(*(data_files(p) for p in packages)) - names


def test_twine_checks_every_distribution(c9_dist):
    files = [str(p) for built in c9_dist.values() for p in built.values()]
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == len(files)


@pytest.mark.parametrize("project", sorted(DATA))
def test_the_wheel_holds_templates_static_files_and_the_spec(c9_dist, project):
    assert missing_data(c9_dist[project]["wheel"], DATA[project]) == set()


def test_the_dashboard_wheel_has_what_a_browser_asks_for(c9_dist):
    with zipfile.ZipFile(c9_dist["dashboard"]["wheel"]) as archive:
        names = set(archive.namelist())
    assert "chapter08/dashboard/templates/dashboard.html" in names
    assert "chapter08/dashboard/static/vendor/preact-11.2.0/preact.mjs" in names


def test_the_sdist_holds_the_project_files_and_the_sources(c9_dist):
    with tarfile.open(c9_dist["dataservice"]["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "CHANGELOG.md", "PKG-INFO"} <= names
    assert "chapter08/dataservice/openapi.yaml" in names


def test_no_chapter_init_and_no_tests_in_any_wheel(c9_dist):
    for built in c9_dist.values():
        with zipfile.ZipFile(built["wheel"]) as archive:
            names = archive.namelist()
        assert not [n for n in names if n.count("/") == 1 and n.endswith("__init__.py")]
        assert not [n for n in names if "/tests/" in n]


def test_the_trap_without_the_package_data_lines_the_check_fails(tmp_path):
    """The MANIFEST.in trap: the wheel builds, installs, and lacks its files."""
    text = (PROJECTS / "dashboard" / "pyproject.toml").read_text()
    data_lines = ['    "chapter08/dashboard/templates/",\n',
                  '    "chapter08/dashboard/static/",\n']  # fmt: skip
    for line in data_lines:
        assert line in text
        text = text.replace(line, "")
    (wheel,) = build("dashboard", tmp_path, pyproject=text, wheel_only=True)
    missing = missing_data(wheel, DATA["dashboard"])
    assert "chapter08/dashboard/templates/login.html" in missing
    assert "chapter08/dashboard/static/dashboard.css" in missing
