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

from testkit.files import repository_files
from testkit.servers import ROOT

CHAPTERS = sorted(ROOT.glob("chapter[0-9][0-9]"))
# What the book's code is made of: every chapter and the fake Strava.
PACKAGES = [*CHAPTERS, ROOT / "fakestrava"]
READMES = [path for path in repository_files() if path.name == "README.md"]
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


def absolute_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute ``import``/``from`` of a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def misplaced_import(importer: Path, module: str) -> str | None:
    """Why importing ``module`` from ``importer`` hides shared code, or None.

    Code another module needs lives where a reader looks for it: not in a
    ``__main__`` (a command), a ``conftest`` (pytest's fixtures) or another
    chapter's tests (testkit holds what several chapters' tests share).
    """
    parts = module.split(".")
    if parts[-1] == "__main__":
        return "a __main__"
    if parts[-1] == "conftest":
        return "a conftest"
    top = importer.relative_to(ROOT).parts[0]
    if "tests" in parts[1:] and parts[0] != top:
        return "another chapter's tests"
    return None


def test_no_import_from_a_main_a_conftest_or_another_chapter_s_tests():
    found = []
    for path in repository_files():
        relative = path.relative_to(ROOT)
        if path.suffix != ".py" or relative.parts[0] == "docs":
            continue
        for line, module in absolute_imports(path):
            if why := misplaced_import(path, module):
                found.append(f"{relative}:{line} imports {module}: {why}")
    assert found == []


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


# A chapter's front page, read in five minutes: what the chapter shows, a
# "Run it" section, then the book section -> file -> test table.
FIRST_COMMAND_WITHIN = 40
RUN_IT_COMMANDS = 3


def typed_commands(readme: Path) -> list[tuple[int, str]]:
    """(line number, command) of what a reader types, in order: each command
    of a ``shell`` block, each ``$ `` line of a ``console`` block (a line
    continued with ``\\`` is one command, numbered by its first line)."""
    found, language, continued = [], None, False
    for number, line in enumerate(readme.read_text().splitlines(), 1):
        if line.lstrip().startswith("```"):
            language = None if language is not None else line.strip("` ")
            continued = False
            continue
        command = is_typed(line, language)
        if command and not continued:
            found.append((number, line.removeprefix("$ ").strip()))
        continued = (command or continued) and line.endswith("\\")
    return found


def is_typed(line: str, language: str | None) -> bool:
    """Whether a line of a ``language`` block is one a reader types: a ``$ ``
    line of a console block; a shell block's lines but blank ones and
    comments."""
    if language == "console":
        return line.startswith("$ ")
    if language == "shell":
        return bool(line.strip()) and not line.lstrip().startswith("#")
    return False


def run_it_section(readme: Path) -> tuple[int, int] | None:
    """The first and last line numbers of the "## Run it" section, up to the
    next heading of any level (what follows is detail a reader may skip)."""
    start, inside = None, False
    lines = readme.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            if start is not None:
                return start, number - 1
            if line.strip() == "## Run it":
                start = number
    return (start, len(lines)) if start is not None else None


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.name)
def test_each_readme_opens_with_run_it_then_the_table(chapter):
    """The reader's first command is within the README's first 40 lines, in
    a "Run it" section of at most three commands (its shell and console
    blocks together), above the "book section | file | test" table."""
    readme = chapter / "README.md"
    lines = readme.read_text().splitlines()
    section = run_it_section(readme)
    assert section, "no '## Run it' section"
    start, end = section
    table = next(
        (
            n
            for n, line in enumerate(lines, 1)
            if re.match(r"\|\s*book section\s*\|", line)
        ),
        None,
    )
    assert table and start < table, "'## Run it' comes before the book-section table"
    commands = typed_commands(readme)
    assert commands, "the README shows no command"
    first = commands[0][0]
    console = next((n for n, _ in commands if lines[n - 1].startswith("$ ")), None)
    for kind, number in (("command", first), ("console command", console)):
        assert number and number <= FIRST_COMMAND_WITHIN, (
            f"the first {kind} is on line {number}, "
            f"not within the first {FIRST_COMMAND_WITHIN}"
        )
    assert start < first <= end, "the first command is in 'Run it'"
    in_section = [command for number, command in commands if start < number <= end]
    assert len(in_section) <= RUN_IT_COMMANDS, (
        f"'Run it' asks for {len(in_section)} commands: {in_section}"
    )


def test_typed_commands_reads_shell_and_console_blocks(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n\n## Run it\n\n```shell\n# a comment\nflask --app x \\\n"
        "  run\n```\n\n```console\n$ curl -s \\\n  http://127.0.0.1:5000/\n"
        '{"a": 1}\n$ echo done\ndone\n```\n\n'
        "```python\nprint('not typed')\n```\n\n## Next\n"
    )
    assert typed_commands(readme) == [
        (7, "flask --app x \\"),
        (12, "curl -s \\"),
        (15, "echo done"),
    ]
    assert run_it_section(readme) == (3, 22)


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


# The book's table of contents: its chapters' titles and their sections, as
# the book spells them. The team keeps it beside the repository, in shared/;
# testkit/book-toc.md is its copy, so that a reader's clone checks the same
# (test_the_book_s_contents_are_the_team_s_copy keeps the two equal).
BOOK_TOC = ROOT / "testkit" / "book-toc.md"
SHARED_TOC = ROOT.parent / "shared" / "book-toc.md"
# Chapters 11 and 12 have no folder: chapter 10's README and chapter 01's
# cover them.
COVERED_BY = {11: 10, 12: 1}
TOC_CHAPTER = re.compile(r"^## (\d+)\. (.+?)(?: \(all \(m\)[^)]*\))?$")
# The file's confidence marks, "(n)", "(m)", "(m: one of these two)".
TOC_MARK = re.compile(r" \([nm](?::([^)]*))?\)")
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def book_toc() -> dict[int, tuple[str, list[list[str]]]]:
    """{chapter: (title, headings)}, a heading as the spellings that name it.

    A line of the file may hold several headings: "Microservice benefits:
    Separation of concerns · Smaller projects" is a section and its
    subsections, "Unit tests · Functional tests" are siblings, and
    "A few definitions / Packaging (m: one of these two)" is one heading
    spelled one way or the other.
    """
    chapters, headings = {}, None
    for line in BOOK_TOC.read_text(encoding="utf-8").splitlines():
        if chapter := TOC_CHAPTER.match(line):
            headings = []
            chapters[int(chapter[1])] = (chapter[2], headings)
        elif headings is not None and line.lstrip().startswith("- "):
            item = line.strip()[2:]
            either = any(
                "one of" in (mark[1] or "") for mark in TOC_MARK.finditer(item)
            )
            item = TOC_MARK.sub("", item)
            parent, colon, children = item.partition(": ")
            names = [parent, *children.split(" · ")] if colon else item.split(" · ")
            for name in names:
                headings.append(name.split(" / ") if either else [name])
    return chapters


def readme_of(book_chapter: int) -> Path:
    return (
        ROOT / f"chapter{COVERED_BY.get(book_chapter, book_chapter):02d}" / "README.md"
    )


def book_section_cells(readme: Path) -> list[str]:
    """The first column of the README's "book section | file | test" tables, as text."""
    cells, inside = [], False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if re.match(r"\|\s*book section\s*\|", line):
            inside = True
        elif inside and line.startswith("|"):
            cell = re.split(r"(?<!\\)\|", line)[1]
            if not re.fullmatch(r"[\s:-]*", cell):  # not the |---| line
                cell = re.sub(r"\\(.)", r"\1", MARKDOWN_LINK.sub(r"\1", cell))
                cells.append(cell.replace("*", "").replace("`", "").strip())
        else:
            inside = False
    return cells


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.name)
def test_each_readme_is_titled_as_the_book_chapter(chapter):
    """Its first line: "# Chapter 09 — Packaging and Running Runnerly".

    Two digits, an em dash, the book's title as the book writes it; a README
    that covers a second chapter says which: "(and chapter 11, Deploying on
    AWS)". The site's page titles and sidebar are these lines.
    """
    toc = book_toc()
    number = int(chapter.name.removeprefix("chapter"))
    title = f"# Chapter {number:02d} — {toc[number][0]}"
    for other, covered_by in sorted(COVERED_BY.items()):
        if covered_by == number:
            title += f" (and chapter {other}, {toc[other][0]})"
    first_line = (chapter / "README.md").read_text(encoding="utf-8").split("\n")[0]
    assert first_line == title


def test_every_book_chapter_has_a_readme():
    for number in book_toc():
        assert readme_of(number).exists(), f"no README covers chapter {number}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.name)
def test_the_readme_maps_every_section_of_the_book(chapter):
    """Every heading of book-toc.md is in its chapter's table, as spelled there.

    Where the repository has nothing for a section, its row says "—". In a
    README that covers two chapters, a row may say which ("12, Coroutines").
    """
    readme = chapter / "README.md"
    cells = book_section_cells(readme)
    assert cells, (
        f"{readme.relative_to(ROOT)} has no 'book section | file | test' table"
    )
    missing = []
    for number, (_, headings) in book_toc().items():
        if readme_of(number) != readme:
            continue
        # A row that names its chapter counts for that chapter only.
        own = [
            cell
            for cell in cells
            if not (named := re.match(r"(\d+), ", cell)) or int(named[1]) == number
        ]
        for spellings in headings:
            if not any(
                re.search(rf"(?<!\w){re.escape(name)}(?!\w)", cell)
                for name in spellings
                for cell in own
            ):
                missing.append(f"{number}: {' / '.join(spellings)}")
    assert not missing, "sections with no row:\n" + "\n".join(missing)


def test_the_book_s_contents_are_the_team_s_copy():
    # Where the team's file is there (our machines, CI): the same text.
    if SHARED_TOC.exists():
        assert BOOK_TOC.read_text() == SHARED_TOC.read_text(), (
            f"cp {SHARED_TOC} {BOOK_TOC.relative_to(ROOT)}"
        )
    assert book_toc()  # and it parses
