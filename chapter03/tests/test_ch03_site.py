"""The repository's site (docs/) builds with -W, one page per README.

Book: chapter 3, "Continuous Integration" > "ReadTheDocs": here the site
``make docs`` builds. This test, the suite's one build of it, does the same
into a temporary folder and checks that every chapter README that exists
became a page, with no link left pointing at a file the site does not have.
"""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def existing_readmes() -> dict[str, Path]:
    found = sorted(ROOT.glob("chapter[0-9]*/README.md"))
    found += [path for path in [ROOT / "fakestrava" / "README.md"] if path.exists()]
    return {path.parent.name: path for path in found}


def first_heading(readme: Path) -> str:
    heading = re.search(r"^# (.+)$", readme.read_text(encoding="utf-8"), re.M)
    assert heading, f"{readme} has no title"
    return heading[1].strip()


@pytest.mark.slow
def test_the_site_has_a_page_per_readme(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
         "-b", "html", "docs", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    readmes = existing_readmes()
    assert {"chapter03", "fakestrava"} <= set(readmes)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for name, readme in readmes.items():
        page = tmp_path / "chapters" / f"{name}.html"
        assert page.exists(), f"{readme} has no page"
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text, re.S)[1]
        plain_heading = re.sub(r"[`*_]", "", first_heading(readme))
        assert html.unescape(title).startswith(plain_heading)
        assert f'href="chapters/{name}.html"' in index
        # Links to files became paths (or source URLs); none dangles.
        assert not re.search(r'href="(?!https?:|#)[^"]*\.(py|md|ini|cfg)"', text)
