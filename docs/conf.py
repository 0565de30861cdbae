"""Sphinx configuration of the repository's site: every README, one page each.

``make docs`` (``sphinx -W --keep-going -b html docs docs/_build/html``)
builds it, offline; ``docs/_build/html/index.html`` opens from the file as
well as from a server. The chapter READMEs stay where they are, next to
their code; at each build this file copies the ones that exist into
``docs/chapters/`` (generated, ignored by git), and ``index.md`` lists that
folder. A chapter added later shows up without touching the site.

The READMEs are written for GitHub, where a link such as
``[client.py](tracker/client.py)`` opens the file. The copy rewrites each
link: to the page of another README, or to a page of the site that shows
the file, highlighted (``docs/files/<path>.md``, generated too, with a
``literalinclude``); a link to a folder goes to a page listing its files.
So the "book section → file → test" tables are links that work, and
``-W`` holds: no link is left dangling.

The theme is Furo (wide code, tables that scroll inside their box on a
phone, a light and a dark scheme); ``_static/site.css`` adjusts it.
Diagrams (```` ```mermaid ```` blocks) are drawn by Mermaid's vendored
script: see ``_ext/offline_mermaid.py``. Long names in tables wrap after
``_`` or ``/``, never inside a word: see ``_ext/word_breaks.py``.
"""

import os
import re
import sys
from pathlib import Path

from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PAGES = DOCS / "chapters"
FILES = DOCS / "files"
sys.path.insert(0, str(DOCS / "_ext"))

project = "Python Microservices Development, the companion code"
author = "the companion code's contributors"
# word_breaks: where a long name in a table may wrap (see its docstring).
extensions = ["myst_parser", "offline_mermaid", "word_breaks"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
# The sidebar's title: short enough not to break inside a word.
html_title = "Python Microservices Development: the companion code"
html_static_path = ["_static"]
html_css_files = ["site.css"]
# Mermaid as vendored in _static/mermaid/ (checked by chapter 3's site test).
MERMAID_VERSION = "12.3.0"
myst_fence_as_directive = ["mermaid"]
# GitHub gives every heading an anchor; so does MyST, up to this depth, so
# that README links such as [setup](#running-it) resolve.
myst_heading_anchors = 4
suppress_warnings = [
    # GitHub renders a README whose headings skip a level (# then ###);
    # Sphinx would warn, but the page is fine either way.
    "myst.header",
    # README blocks show shell sessions and partial snippets; when Pygments
    # cannot lex one, the block is shown plain, which is what we want.
    "misc.highlighting_failure",
]

LINK = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# What a folder's page leaves out: generated, cached or hidden files.
SKIPPED = re.compile(r"(^|/)(__pycache__|_build|\.[^/]*)(/|$)|\.pyc$")


def readmes() -> dict[str, Path]:
    """Page name -> README, for the chapters (and fakestrava) that exist."""
    found = sorted(ROOT.glob("chapter[0-9]*/README.md"))
    found += [path for path in [ROOT / "fakestrava" / "README.md"] if path.exists()]
    return {path.parent.name: path for path in found}


def repo_path(path: Path) -> str | None:
    """``chapter01/machinery/benchmark.py``; None outside the repository."""
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return None


def file_page(path: Path) -> Path:
    """The generated page that shows a file, or lists a folder."""
    name = repo_path(path)
    return FILES / name / "index.md" if path.is_dir() else FILES / f"{name}.md"


def is_text(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    return True


def folder_files(folder: Path) -> list[Path]:
    """The text files of a folder and its subfolders, as a folder page lists them."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not SKIPPED.search(path.relative_to(folder).as_posix())
        and is_text(path)
    )


class Site:
    """The pages the READMEs make: their own, and one per file they link to."""

    def __init__(self):
        self.readmes = readmes()
        self.pages = {path.resolve(): name for name, path in self.readmes.items()}
        # Shown file or folder -> the pages (chapters, folders) linking to it.
        self.linked: dict[Path, set[Path]] = {}

    def link_to(self, target: Path, page: Path) -> Path:
        """Note that ``page`` links to ``target``; return the target's page."""
        self.linked.setdefault(target, set()).add(page)
        if target.is_dir():
            for path in self.folder_files(target):
                self.linked.setdefault(path, set()).add(file_page(target))
        return file_page(target)

    def folder_files(self, folder: Path) -> list[Path]:
        """What a folder's page lists: its files, less the READMEs with a page."""
        return [path for path in folder_files(folder) if path not in self.pages]

    def rewrite_link(self, match: re.Match, readme: Path, page: Path) -> str:
        target = match["target"]
        if SCHEME.match(target) or target.startswith("#"):
            return match[0]  # a URL, or an anchor of this same page
        path, _, fragment = target.partition("#")
        resolved = (readme.parent / path).resolve()
        anchor = f"#{fragment}" if fragment else ""
        if resolved in self.pages:
            name = self.pages[resolved]
            return f"{match['image']}[{match['text']}]({name}.md{anchor})"
        if resolved in (ROOT / "README.md", DOCS / "index.md"):
            return f"[{match['text']}](../index.md)"
        if match["image"]:
            return f"![{match['text']}]({os.path.relpath(resolved, PAGES)})"
        return self.file_link(match["text"], path, resolved, page)

    def file_link(self, text: str, path: str, resolved: Path, page: Path) -> str:
        """A link to a file of the repository: to its page, or its name in
        code where the site has no page for it (a binary, a missing file)."""
        shown = repo_path(resolved)
        if shown is None or not resolved.exists():
            return f"{text} (`{path}`)"  # nothing the site can show
        if resolved.is_file() and not is_text(resolved):
            return f"{text} (`{shown}`)"
        target_page = self.link_to(resolved, page)
        return f"[{text}]({os.path.relpath(target_page, page.parent)})"

    def page_text(self, name: str) -> str:
        """The README with its links rewritten, code blocks left as they are."""
        readme, page = self.readmes[name], PAGES / f"{name}.md"
        lines, fence = [], None
        for line in readme.read_text(encoding="utf-8").splitlines(keepends=True):
            opening = FENCE.match(line)
            if fence is None and opening:
                fence = opening[1]
            elif fence is not None and line.strip().startswith(fence):
                fence = None
            elif fence is None:
                line = LINK.sub(
                    lambda match: self.rewrite_link(match, readme, page), line
                )
            lines.append(line)
        return "".join(lines)

    def file_text(self, path: Path) -> str:
        """A file's page: where it is linked from, then the file, highlighted."""
        page = file_page(path)
        back = ", ".join(
            f"[{title_of(linking)}]({os.path.relpath(linking, page.parent)})"
            for linking in sorted(self.linked[path])
        )
        title = repo_path(path) + ("/" if path.is_dir() else "")
        head = f"---\norphan: true\n---\n\n# `{title}`\n\nLinked from {back}.\n\n"
        if path.is_dir():
            items = "".join(
                f"- [`{entry.relative_to(path).as_posix()}`]"
                f"({os.path.relpath(file_page(entry), page.parent)})\n"
                for entry in self.folder_files(path)
            )
            return head + items
        include = os.path.relpath(path, page.parent)
        return (
            f"{head}```{{literalinclude}} {include}\n"
            f":language: {lexer_name(path)}\n:linenos:\n```\n"
        )


def title_of(page: Path) -> str:
    """How a page is named in a "Linked from" line: a chapter by its title."""
    if page.parent == PAGES:
        return ""  # MyST puts the page's title in a link with no text
    return f"`{page.parent.relative_to(FILES).as_posix()}/`"


def lexer_name(path: Path) -> str:
    """Pygments' name for the file's language; plain text when it has none."""
    if path.name == "Makefile":
        return "make"
    try:
        return get_lexer_for_filename(path.name).aliases[0]
    except ClassNotFound:
        return "text"


def write(page: Path, text: str) -> None:
    # Written only when it changed, so Sphinx rebuilds only what did.
    if not page.exists() or page.read_text(encoding="utf-8") != text:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")


def generate_pages() -> None:
    site = Site()
    wanted = set()
    for name in site.readmes:
        page = PAGES / f"{name}.md"
        write(page, site.page_text(name))
        wanted.add(page)
    for path in site.linked:
        page = file_page(path)
        write(page, site.file_text(path))
        wanted.add(page)
    for folder in (PAGES, FILES):
        for page in folder.rglob("*.md"):
            if page not in wanted:  # a README, or a link, that is gone
                page.unlink()


generate_pages()
