"""Each project's wheel names every module its service imports, and every
library those modules import is one of its dependencies (chapter 9,
"The setup.py file")."""

import tomllib
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from chapter09.build import PROJECTS, matching_files, wheel_includes
from chapter09.imports import import_closure, third_party

# The module each console script starts from (pyproject's [project.scripts]).
ENTRY = {
    name: next(iter(project["project"]["scripts"].values())).split(":")[0]
    for name in sorted(path.name for path in PROJECTS.iterdir())
    for project in [tomllib.loads((PROJECTS / name / "pyproject.toml").read_text())]
}


def project(name: str) -> dict:
    return tomllib.loads((PROJECTS / name / "pyproject.toml").read_text())


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_the_wheel_names_every_module_the_service_imports(name):
    included = set(matching_files(wheel_includes(project(name))))
    missing = [path for path in import_closure(ENTRY[name]) if path not in included]
    assert missing == []


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_every_library_imported_is_a_declared_dependency(name):
    declared = {
        canonicalize_name(Requirement(line).name)
        for line in project(name)["project"]["dependencies"]
    }
    providers = packages_distributions()
    imported = third_party(import_closure(ENTRY[name]))
    undeclared = {
        module: providers[module]
        for module in imported
        if not declared & {canonicalize_name(d) for d in providers[module]}
    }
    assert undeclared == {}


def test_the_chapters_own_init_files_stay_out():
    # chapter08/__init__.py in two wheels would clash; without it chapter08
    # is a namespace package, whichever wheels bring parts of it.
    files = import_closure("chapter08.dataservice")
    assert "chapter06/health.py" in {path.as_posix() for path in files}
    assert [path for path in files if path.parent.name.startswith("chapter")
            and path.name == "__init__.py"] == []  # fmt: skip
