"""Book: chapter 9, "The setup.py file": which files a service's wheel needs.

A service imports earlier chapters (the skeleton's JSON errors, the
monolith's models, the health checks); its wheel must carry every module it
imports, or the installed service fails on its first request. Rather than
keeping that list by hand, follow the imports, from the service's entry
module, through every file of this repository it reaches (third-party
imports are the dependencies' business, not ours)::

    >>> files = import_closure("chapter02.skeleton")
    >>> [str(path) for path in files]  # doctest: +NORMALIZE_WHITESPACE
    ['chapter02/skeleton/__init__.py', 'chapter02/skeleton/config.py',
     'chapter02/skeleton/errors.py', 'chapter02/skeleton/views.py']

The chapters' own ``__init__.py`` (``chapter02/__init__.py``) are left out:
in a wheel, ``chapter02`` is a namespace package, so two wheels may each
bring a part of it.
"""

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Top-level folders of this repository whose modules a service may import.
TOP_LEVEL = ("chapter", "fakestrava")


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The file of module ``name`` in this repository, or None (not ours)."""
    if not name.startswith(TOP_LEVEL):
        return None
    path = root.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path, module: str) -> set[str]:
    """Every module ``path`` may import, absolute names, ours or not.

    ``from a import b`` names both ``a`` and ``a.b`` (``b`` may be a module);
    imports inside functions count too: they run sooner or later.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name(
                "." * node.level + (node.module or ""), package
            )
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a.b``, ``a``: importing a module imports its packages."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]


def import_closure(*entry: str, root: Path = ROOT) -> list[Path]:
    """Files of this repository that importing ``entry`` modules loads.

    Paths relative to ``root``, sorted; top-level ``__init__.py`` left out.
    """
    seen: set[str] = set()
    todo = list(entry)
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name, root)
        if path is None:
            continue
        todo.extend(parents(name))
        todo.extend(imported_names(path, name))
        if "." in name:  # a chapter's own __init__.py stays out: namespace
            files.add(path.relative_to(root))
    return sorted(files)


def third_party(files: list[Path], root: Path = ROOT) -> set[str]:
    """Top-level names of the other modules ``files`` import (not stdlib).

    What the project's ``dependencies`` must provide.
    """
    names: set[str] = set()
    for path in files:
        module = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        for name in imported_names(root / path, module):
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and not top.startswith(TOP_LEVEL):
                names.add(top)
    return names


def main() -> None:
    """``python -m chapter09.imports chapter08.dataservice``: the closure."""
    for path in import_closure(*sys.argv[1:]):
        print(path)


if __name__ == "__main__":
    main()
