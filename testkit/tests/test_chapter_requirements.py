"""Each chapter installs on its own, from ``chapterNN/requirements.txt``.

A reader of one chapter installs what its examples and its README's commands
use, not the whole book (``make install CHAPTER=02``). These tests keep each
file right as the code changes: its pins are the root lock's, it names every
distribution the chapter's code imports and includes the files of the
chapters it imports from; and in a fresh virtual environment holding that
file alone, every module of the chapter imports and the README's first
command works.
"""

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from uv import find_uv_bin

from testkit.ports import free_port, free_port_base
from testkit.servers import ROOT, ServerProcess

CHAPTERS = sorted(ROOT.glob("chapter[0-9][0-9]"))
LOCK = ROOT / "requirements.txt"
# Ours, not distributions: a chapter's needs come with the chapter's file.
LOCAL = {path.name for path in CHAPTERS} | {"fakestrava", "testkit"}


@dataclass(frozen=True)
class FirstCommand:
    """The first command a chapter's README has the reader run."""

    text: str  # as the README shows it
    path: str | None = None  # where the server answers; None: the command exits
    stack: bool = False  # ports from RUNNERLY_PORT_BASE, the dashboard's at +2


FIRST_COMMANDS = {
    "chapter01": FirstCommand("python -m chapter01.hello_wsgi", "/"),
    "chapter02": FirstCommand("flask --app chapter02.flask_basic run", "/api"),
    "chapter03": FirstCommand("python -m chapter03.tracker", "/api/bugs/1"),
    "chapter04": FirstCommand("python -m chapter04.monolith", "/login"),
    "chapter05": FirstCommand("python -m chapter05.session_extension", "/"),
    "chapter06": FirstCommand("python -m chapter06.machinery.gelf_receiver", "/stats"),
    "chapter07": FirstCommand(
        "python -m doctest -v chapter07/jwt_by_hand.py | tail -1"
    ),
    "chapter08": FirstCommand("python -m chapter08", "/health", stack=True),
    "chapter09": FirstCommand(
        "python -m chapter09.imports chapter09.commands.tokendealer"
    ),
    # The first that runs something of the environment: not export nor grep.
    "chapter10": FirstCommand(
        "hadolint chapter10/*.Dockerfile chapter10/fullstack/fullstack.Dockerfile"
    ),
}

# Imports each module named, then fails listing those that did not import, or
# anything loaded from the environment the tests run in (argv[1]).
IMPORT_EACH = """
import importlib, sys, traceback
forbidden, names = sys.argv[1], sys.argv[2:]
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(f"{name}: {traceback.format_exc(limit=-3)}")
leaked = sorted(
    name for name, module in list(sys.modules.items())
    if (getattr(module, "__file__", None) or "").startswith(forbidden)
)
if leaked:
    failed.append(f"loaded from {forbidden}: {leaked}")
sys.exit("\\n".join(failed) or None)
"""


def example_files(package: Path) -> list[Path]:
    """Every module of the package but its tests, sub-packages and docs included."""
    return sorted(
        path
        for path in package.rglob("*.py")
        if "tests" not in path.relative_to(package).parts and path.name != "conftest.py"
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Absolute names a module imports; ``from a import b`` gives ``a.b``,
    which tells which distribution of a namespace package (``google``,
    ``opentelemetry``) it means."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def chapter_imports(package: Path) -> set[str]:
    """The other chapters, and fakestrava, that the package's code imports."""
    tops = {
        name.partition(".")[0]
        for path in example_files(package)
        for name in imported_names(path)
    }
    return (tops & LOCAL) - {package.name}


@cache
def top_level_owners() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


@cache
def distribution_files(name: str) -> tuple[str, ...]:
    return tuple(str(path) for path in importlib.metadata.files(name) or ())


def distribution_of(name: str) -> str:
    """The distribution that an imported name comes from (in this environment)."""
    owners = set(top_level_owners().get(name.split(".")[0], ()))
    parts = name.split(".")
    # Several share a namespace package: the one whose files hold the module.
    while len(owners) > 1 and parts:
        folder = "/".join(parts)
        holding = {
            owner
            for owner in owners
            if any(
                file == f"{folder}.py" or file.startswith(f"{folder}/")
                for file in distribution_files(owner)
            )
        }
        owners = holding if len(holding) == 1 else owners
        parts.pop()
    if len(owners) != 1:
        raise LookupError(f"{name}: no one distribution ({sorted(owners)})")
    return canonicalize_name(owners.pop())


def imported_distributions(package: Path) -> dict[str, str]:
    """{distribution: a module importing it} for the package's code."""
    found = {}
    for path in example_files(package):
        found = distributions_of_file(path) | found
    return found


def distributions_of_file(path: Path) -> dict[str, str]:
    """{distribution: the module} for what one module imports."""
    found = {}
    for name in sorted(imported_names(path)):
        top = name.partition(".")[0]
        if top not in sys.stdlib_module_names and top not in LOCAL:
            found.setdefault(distribution_of(name), str(path.relative_to(ROOT)))
    return found


def module_file(name: str) -> Path | None:
    """The file of a module of this repository, if ``name`` is one."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def absolute_module(node: ast.ImportFrom, package: list[str]) -> str:
    """The module a ``from ... import`` names, a relative one resolved."""
    base = node.module or ""
    if not node.level:
        return base
    parent = package[: len(package) - node.level + 1]
    return ".".join([*parent, *([base] if base else [])])


def repository_imports(path: Path) -> set[Path]:
    """The files of this repository that importing ``path`` loads at once:
    what it imports, relative imports too, and each package on the way."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(node, package)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] in LOCAL:
            prefixes = (".".join(parts[:end]) for end in range(1, len(parts) + 1))
            found.update(filter(None, map(module_file, prefixes)))
    return found


def repository_closure(paths: list[Path]) -> set[Path]:
    """``paths`` and every file of the repository they load, in turn."""
    found, todo = set(), list(paths)
    while todo:
        path = todo.pop()
        if path not in found:
            found.add(path)
            todo.extend(repository_imports(path))
    return found


def requirement_lines(path: Path) -> list[str]:
    lines = (line.partition(" #")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def own_requirements(path: Path) -> list[Requirement]:
    """The file's own requirements, not those of the files it names."""
    return [Requirement(line) for line in requirement_lines(path) if line[0] != "-"]


def included_files(path: Path) -> list[Path]:
    """The files it includes (``-r``), as pip reads them: from its folder."""
    return [
        (path.parent / line.split(maxsplit=1)[1]).resolve()
        for line in requirement_lines(path)
        if line.startswith("-r ")
    ]


def all_requirements(path: Path) -> dict[str, Requirement]:
    """Everything pip installs from the file by name, included files too."""
    found = {canonicalize_name(r.name): r for r in own_requirements(path)}
    for included in included_files(path):
        found = all_requirements(included) | found
    return found


@cache
def lock() -> dict[str, str]:
    """{name: version} of the root lock, for this Python (markers evaluated)."""
    pins = {}
    for line in requirement_lines(LOCK):
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (version,) = (spec.version for spec in requirement.specifier)
            pins[canonicalize_name(requirement.name)] = version
    return pins


def chapter_ids(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_ids)
def test_pins_are_the_root_locks(chapter):
    """Pinned ``==`` to the version the whole book is tested with."""
    path = chapter / "requirements.txt"
    assert own_requirements(path), f"{path.relative_to(ROOT)} lists nothing"
    wrong = []
    for requirement in own_requirements(path):
        locked = lock().get(canonicalize_name(requirement.name))
        if str(requirement.specifier) != f"=={locked}":
            wrong.append(f"{requirement}: the root lock has {locked}")
    assert not wrong, "\n".join(wrong)
    # The constraint that keeps what they need at the lock's versions too.
    assert f"-c {os.path.relpath(LOCK, chapter)}" in requirement_lines(path)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_ids)
def test_includes_what_it_imports_of_other_chapters_needs(chapter):
    """What the modules it imports from earlier chapters need, and what
    those import in turn: not the whole of another chapter's file (chapter
    5's benchmark uses chapter 1's kit, not chapter 1's six servers)."""
    mine = all_requirements(chapter / "requirements.txt")
    needed = {}
    for path in sorted(repository_closure(example_files(chapter))):
        if path.relative_to(ROOT).parts[0] not in (chapter.name, "fakestrava"):
            needed |= {
                name: where
                for name, where in distributions_of_file(path).items()
                if name not in needed
            }
    missing = [
        f"{name} (for {where})" for name, where in needed.items() if name not in mine
    ]
    assert not missing, f"add to {chapter.name}/requirements.txt: {missing}"


def test_another_chapter_s_module_brings_what_it_imports_in_turn():
    closure = repository_closure([ROOT / "chapter05" / "compression.py"])
    names = {str(path.relative_to(ROOT)) for path in closure}
    # Its serving helper, the package around it, and that package's modules.
    assert {"chapter02/skeleton/serving.py", "chapter02/skeleton/__init__.py"} <= names
    assert "chapter02/skeleton/errors.py" in names
    assert "chapter01/benchmark.py" not in names


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_ids)
def test_names_every_distribution_its_code_imports(chapter):
    """Named, not just brought by another: what comes with one today may not
    tomorrow. fakestrava, with no file of its own, counts as the chapter's."""
    needed = imported_distributions(chapter)
    if "fakestrava" in chapter_imports(chapter):
        needed |= imported_distributions(ROOT / "fakestrava")
    listed = all_requirements(chapter / "requirements.txt")
    missing = [
        f"{name} (in {where})" for name, where in needed.items() if name not in listed
    ]
    assert not missing, f"add to {chapter.name}/requirements.txt: {missing}"


def chapter_environment(chapter: Path, folder: Path) -> Path:
    """A virtual environment with the chapter's file alone, made as the
    Makefile's uv does: from the cache ``make install`` filled."""
    venv = folder / "venv"
    uv = find_uv_bin()
    for command in (
        [uv, "venv", "--quiet", "--python", sys.executable, venv],
        [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python"]
        + ["-r", chapter / "requirements.txt"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return venv


def reader_environment(venv: Path) -> dict[str, str]:
    """An activated ``venv``, as the reader's: its ``bin`` first on the PATH,
    the one the tests run in gone from it."""
    ours = Path(sys.prefix)
    path = [str(venv / "bin")] + [
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not Path(folder).resolve().is_relative_to(ours)
    ]
    return {
        **os.environ,
        "PATH": os.pathsep.join(path),
        "VIRTUAL_ENV": str(venv),
        "PYTHONPATH": str(ROOT),
    }


def answers(url: str) -> bool:
    """Any HTTP answer, an error page too: the server is up."""
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def installed(venv: Path) -> dict[str, str]:
    done = subprocess.run(
        [find_uv_bin(), "pip", "freeze", "--python", venv / "bin" / "python"],
        capture_output=True,
        text=True,
        check=True,
    )
    pins = (line.partition("==") for line in done.stdout.split())
    return {canonicalize_name(name): version for name, _, version in pins}


def run_first_command(chapter: Path, env: dict[str, str]) -> None:
    """As the reader would: a command that exits must succeed; a server must
    answer, and is then stopped (ServerProcess fails with its output)."""
    command = FIRST_COMMANDS[chapter.name]
    assert command.text in (chapter / "README.md").read_text()
    if command.path is None:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command.text],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{command.text}:\n{done.stdout}{done.stderr}"
        return
    if command.stack:
        base = free_port_base()
        port, extra = base + 2, {"RUNNERLY_PORT_BASE": str(base)}
    else:
        port = free_port()
        extra = {"FLASK_RUN_PORT": str(port)}
    url = f"http://127.0.0.1:{port}{command.path}"
    with ServerProcess(
        ["bash", "-c", command.text],
        port=port,
        env={**env, **extra},
        timeout=60,
        ready=lambda: answers(url),
    ):
        pass


# Installs a chapter, and starts its servers: seconds each.
@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_ids)
def test_chapter_installs_and_runs_alone(chapter, tmp_path):
    venv = chapter_environment(chapter, tmp_path)
    env = reader_environment(venv)

    versions = installed(venv)
    other = {name: v for name, v in versions.items() if lock().get(name) != v}
    assert not other, f"not the root lock's versions: {other}"

    modules = [module_name(path) for path in example_files(chapter)]
    done = subprocess.run(
        [venv / "bin" / "python", "-c", IMPORT_EACH, sys.prefix + os.sep, *modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    run_first_command(chapter, env)
    # Kept only when the test fails, to look into.
    shutil.rmtree(venv)
