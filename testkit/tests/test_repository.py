"""The rules every chapter keeps, checked over the whole repository.

A reader copies a chapter on its own, runs its examples with the commands
its README shows, and reads its code blocks as typed in a terminal: these
tests keep that true as chapters are added.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.servers import ROOT

CHAPTERS = sorted(ROOT.glob("chapter[0-9][0-9]"))
# What the book's code is made of: every chapter and the fake Strava.
PACKAGES = [*CHAPTERS, ROOT / "fakestrava"]
READMES = sorted(
    path
    for path in ROOT.glob("**/README.md")
    if not any(part.startswith(".") or part == "node_modules" for part in path.parts)
)
LONGEST_LINE = 100
# Imports every module, then fails if anything keeps running: a thread that
# is not a daemon, or a child process.
IMPORT_ALL = """
import importlib, os, threading
for name in {modules!r}:
    importlib.import_module(name)
others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
assert not others, f"threads running after the imports: {{others}}"
children = open(f"/proc/{{os.getpid()}}/task/{{os.getpid()}}/children").read().split()
assert not children, f"child processes after the imports: {{children}}"
"""


def book_modules(package: Path) -> list[Path]:
    """The package's own code: not its tests, nor its docs' configuration."""
    return sorted(
        path
        for path in package.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "conftest.py"
        and "docs" not in path.relative_to(package).parts
    )


def imported_packages(path: Path) -> set[str]:
    """The top-level names a module imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def local_imports(package: Path) -> set[str]:
    """The repository's packages (chapters, fakestrava, testkit) it uses."""
    local = {path.name for path in PACKAGES} | {"testkit"}
    found = set()
    for module in book_modules(package):
        found |= imported_packages(module) & local
    return found - {package.name}


def code_blocks(readme: Path):
    """(line number, line) of every line inside a fenced code block."""
    inside = False
    for number, line in enumerate(readme.read_text().splitlines(), 1):
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            yield number, line


@pytest.mark.parametrize("package", PACKAGES, ids=lambda path: path.name)
def test_book_code_imports_only_earlier_chapters(package):
    used = local_imports(package)
    assert "testkit" not in used, "book code never imports testkit (tests may)"
    if package.name == "fakestrava":
        assert not {name for name in used if name.startswith("chapter")}
        return
    later = {
        name for name in used if name.startswith("chapter") and name > package.name
    }
    assert not later, f"{package.name} imports later chapters: {sorted(later)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.name)
def test_each_readme_says_which_chapters_it_builds_on(chapter):
    text = (chapter / "README.md").read_text()
    used = local_imports(chapter)
    if not used:
        assert "Stands alone" in text, "say that the chapter imports nothing else"
        return
    line = re.search(r"^Builds on:.*(?:\n(?!\n).*)*", text, re.MULTILINE)
    assert line, f"say 'Builds on: ...' for {sorted(used)}"
    for name in used:
        assert name in line.group(0), f"'Builds on:' does not name {name}"


@pytest.mark.parametrize(
    "readme", READMES, ids=lambda path: str(path.relative_to(ROOT))
)
def test_readme_code_lines_fit_a_terminal(readme):
    long = [
        f"{readme.relative_to(ROOT)}:{number}: {len(line)} characters"
        for number, line in code_blocks(readme)
        if len(line) > LONGEST_LINE
    ]
    assert not long, "\n".join(long)


def test_importing_any_module_starts_nothing():
    """``python -m`` starts a service; importing its modules must not.

    Every module of the book is imported in a fresh interpreter, which must
    then end on its own with no thread or child process left running.
    """
    modules = []
    for package in PACKAGES:
        for path in book_modules(package):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules.append(".".join(parts))
    script = IMPORT_ALL.format(modules=modules)
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
