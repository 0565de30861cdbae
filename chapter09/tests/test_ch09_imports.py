"""Each project's wheel names every module its service imports and no other,
and every library those modules import is one of its dependencies (chapter
9, "The setup.py file")."""

from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from chapter09.build import (
    PROJECTS,
    entry_module,
    matching_files,
    read_project,
    wheel_includes,
)
from chapter09.imports import import_closure, third_party

# The module each console script starts from (pyproject's [project.scripts]).
ENTRY = {
    name: entry_module(name) for name in sorted(p.name for p in PROJECTS.iterdir())
}
# Python files a service loads by their path, not by an import: Alembic runs
# the migrations it finds in their folder.
LOADED_BY_PATH = {"dataservice2": "chapter09/dataservice2/migrations/"}


def modules(name: str) -> set[str]:
    """The Python files the project's include patterns put in its wheel."""
    found = matching_files(wheel_includes(read_project(name)))
    return {path.as_posix() for path in found if path.suffix == ".py"}


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_the_wheel_names_every_module_the_service_imports(name):
    imported = {path.as_posix() for path in import_closure(ENTRY[name])}
    assert sorted(imported - modules(name)) == []


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_the_wheel_names_no_module_the_service_does_not_import(name):
    # Before: chapter 4's whole monolith (its views, forms, Celery app) in
    # every wheel, for the Strava client alone; and the packages' __main__.py.
    imported = {path.as_posix() for path in import_closure(ENTRY[name])}
    extra = modules(name) - imported
    by_path = LOADED_BY_PATH.get(name)
    assert sorted(m for m in extra if not (by_path and m.startswith(by_path))) == []


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_every_library_imported_is_a_declared_dependency(name):
    declared = {
        canonicalize_name(Requirement(line).name)
        for line in read_project(name)["project"]["dependencies"]
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
