"""The service's Sphinx docs build without a warning and list every route.

Book: chapter 3, "Developer documentation". ``autoflask`` reads the routes
from the app, so a new route shows up in the docs by itself; this test
checks that it did, and that no docstring broke the build (``-W``). It is
the suite's one build of these docs (the README shows the command).
"""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chapter03.tracker import create_app

ROOT = Path(__file__).resolve().parents[2]


def sphinx_build(source: Path, out: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
         "-b", "html", str(source), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def text_of(page: Path) -> str:
    """The page's text, tags dropped, with no white space at all."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
    return re.sub(r"\s+", "", text)


def documented_routes() -> set[str]:
    """``GET/api/bugs/(int:bug_id)``, as httpdomain writes a route."""
    app = create_app("testing", TRACKER_API_URL="http://tracker.invalid")
    return {
        method + re.sub(r"<([^>]+)>", r"(\1)", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"  # Flask's own, left out by :undoc-static:
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.mark.slow
def test_the_docs_build_and_list_every_route(tmp_path):
    sphinx_build(ROOT / "chapter03" / "docs", tmp_path)
    api = text_of(tmp_path / "api.html")
    routes = documented_routes()
    assert len(routes) == 4
    for route in routes:
        # The ¶ that ends each signature keeps /api/bugs from matching a
        # prefix of /api/bugs/(int:bug_id).
        assert route + "¶" in api, f"{route} is not in the API docs"
    # autodoc found the client too.
    assert "classchapter03.tracker.client.TrackerClient" in api
