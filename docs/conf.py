"""Sphinx configuration of the repository's site: every README, one page each.

``make docs`` (``sphinx -W --keep-going -b html docs docs/_build/html``)
builds it. The chapter READMEs stay where they are, next to their code; at
each build this file copies the ones that exist into ``docs/chapters/`` (a
generated folder, ignored by git), and ``index.md`` lists that folder. A
chapter added later shows up without touching the site.

The READMEs are written for GitHub, where a link such as
``[client.py](tracker/client.py)`` opens the file. A file is not a page of
the site, so the copy rewrites such links: to the page of another README,
to ``$DOCS_SOURCE_URL/<path>`` when that is set (say
``https://github.com/OWNER/REPO/blob/main``), or else to the file's path
from the repository root, as code. No link is left dangling, and ``-W``
holds.
"""

import os
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PAGES = DOCS / "chapters"
SOURCE_URL = os.environ.get("DOCS_SOURCE_URL", "").rstrip("/")

project = "Python Microservices Development, the companion code"
author = "the companion code's contributors"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "alabaster"
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


def readmes() -> dict[str, Path]:
    """Page name -> README, for the chapters (and fakestrava) that exist."""
    found = sorted(ROOT.glob("chapter[0-9]*/README.md"))
    found += [path for path in [ROOT / "fakestrava" / "README.md"] if path.exists()]
    return {path.parent.name: path for path in found}


def rewrite_link(match: re.Match, readme: Path, pages: dict[Path, str]) -> str:
    target = match["target"]
    if SCHEME.match(target) or target.startswith("#"):
        return match[0]  # a URL, or an anchor of this same page
    path, _, fragment = target.partition("#")
    resolved = (readme.parent / path).resolve()
    anchor = f"#{fragment}" if fragment else ""
    if resolved in pages:
        return f"{match['image']}[{match['text']}]({pages[resolved]}.md{anchor})"
    if resolved == ROOT / "README.md":
        return f"[{match['text']}](../index.md)"
    try:
        repo_path = resolved.relative_to(ROOT).as_posix()
    except ValueError:
        repo_path = path  # outside the repository: show it as written
    if match["image"]:
        return f"![{match['text']}]({os.path.relpath(resolved, PAGES)})"
    if SOURCE_URL:
        return f"[{match['text']}]({SOURCE_URL}/{repo_path}{anchor})"
    text = match["text"].strip("`")
    if text in (repo_path, Path(repo_path).name, path):
        return f"`{repo_path}`"
    return f"{match['text']} (`{repo_path}`)"


def page_text(readme: Path, pages: dict[Path, str]) -> str:
    """The README with its links rewritten, code blocks left as they are."""
    lines, fence = [], None
    for line in readme.read_text(encoding="utf-8").splitlines(keepends=True):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening[1]
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            line = LINK.sub(lambda match: rewrite_link(match, readme, pages), line)
        lines.append(line)
    return "".join(lines)


def generate_pages() -> None:
    found = readmes()
    pages = {path.resolve(): name for name, path in found.items()}
    PAGES.mkdir(exist_ok=True)
    wanted = set()
    for name, readme in found.items():
        page = PAGES / f"{name}.md"
        wanted.add(page)
        text = page_text(readme, pages)
        # Written only when it changed, so Sphinx rebuilds only what did.
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
    for page in PAGES.glob("*.md"):
        if page not in wanted:  # a README that is gone
            page.unlink()


generate_pages()
