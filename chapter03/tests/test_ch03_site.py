"""The repository's site (docs/) builds with -W, and a reader can use it.

Book: chapter 3, "Continuous Integration" > "ReadTheDocs": here the site
``make docs`` builds. The suite builds it once per session (the ``site``
fixture), as ``make docs`` does but into a temporary folder, then checks
the build's files (every README a page, every file a README links to a
highlighted page) and drives it in Chromium, served over loopback: the
chapter 04 diagram drawn, tables that fit a 1200-pixel window, diagrams
whose labels read and table cells that wrap between words, the search,
nothing loaded from outside the site, no internal link that dangles.
"""

import hashlib
import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin
from urllib.request import urlopen

import pytest

from testkit.browser import chromium_page
from testkit.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
MERMAID = ROOT / "docs" / "_static" / "mermaid"
# The vendored Mermaid: `npm pack mermaid@12.3.0`, package/dist/mermaid.min.js.
MERMAID_VERSION = "12.3.0"
MERMAID_SHA256 = "336df803d87a38b70a01e736e666c8f7601d2ce42f5e47c8fafe5d721074b9a3"
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)\)")
SERVICES = ("Dashboard", "Data service", "Strava worker", "Token service")


def existing_readmes() -> dict[str, Path]:
    found = sorted(ROOT.glob("chapter[0-9]*/README.md"))
    found += [path for path in [ROOT / "fakestrava" / "README.md"] if path.exists()]
    return {path.parent.name: path for path in found}


def first_heading(readme: Path) -> str:
    heading = re.search(r"^# (.+)$", readme.read_text(encoding="utf-8"), re.M)
    assert heading, f"{readme} has no title"
    return heading[1].strip()


def linked_files(readme: Path) -> set[Path]:
    """The repository's files (not READMEs, not images) a README links to."""
    text = re.sub(
        r"^```.*?^```", "", readme.read_text(encoding="utf-8"), flags=re.M | re.S
    )
    found = set()
    for image, target in LINK.findall(text):
        if image or re.match(r"^[a-z]+:|#", target):
            continue
        path = (readme.parent / target.partition("#")[0]).resolve()
        if path.is_file() and path.name != "README.md" and path.is_relative_to(ROOT):
            found.add(path)
    return found


def page_text(page: Path) -> str:
    """A page's text, line numbers and tags dropped, with no white space at all."""
    text = re.sub(r'<span class="linenos">[^<]*</span>', "", page.read_text())
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per session as ``make docs`` builds it."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
         "-b", "html", "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture
def served(site, server_process) -> str:
    """The built site over HTTP on 127.0.0.1: its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port),
               "--bind", "127.0.0.1", "--directory", str(site)]  # fmt: skip
    return server_process(command, port=port).url + "/"


def test_the_vendored_mermaid_is_the_pinned_release():
    script = (MERMAID / "mermaid.min.js").read_bytes()
    assert hashlib.sha256(script).hexdigest() == MERMAID_SHA256
    assert f'version:"{MERMAID_VERSION}"'.encode() in script
    assert "MIT License" in (MERMAID / "LICENSE").read_text()
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert f'MERMAID_VERSION = "{MERMAID_VERSION}"' in conf


@pytest.mark.slow
def test_the_site_has_a_page_per_readme(site):
    readmes = existing_readmes()
    assert {"chapter03", "fakestrava"} <= set(readmes)
    index = (site / "index.html").read_text(encoding="utf-8")
    for name, readme in readmes.items():
        page = site / "chapters" / f"{name}.html"
        assert page.exists(), f"{readme} has no page"
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text, re.S)[1]
        plain_heading = re.sub(r"[`*_]", "", first_heading(readme))
        assert html.unescape(title).startswith(plain_heading)
        assert f'href="chapters/{name}.html"' in index
        # Links to files became links to pages of the site.
        assert not re.search(r'href="(?!https?:|#)[^"]*\.(py|md|ini|cfg|ya?ml)"', text)


@pytest.mark.slow
def test_every_file_a_readme_links_to_is_a_highlighted_page(site):
    for name, readme in existing_readmes().items():
        chapter_page = site / "chapters" / f"{name}.html"
        hrefs = set(re.findall(r'href="([^"#]+)', chapter_page.read_text()))
        for path in linked_files(readme):
            shown = path.relative_to(ROOT).as_posix()
            if shown == "docs/index.md":
                continue  # the site's own home page
            href = f"../files/{shown}.html"
            assert href in hrefs, f"{name}: no link to {shown}'s page"
            page = (chapter_page.parent / href).resolve()
            text = page.read_text(encoding="utf-8")
            assert '<div class="highlight' in text, f"{shown} is not highlighted"
            # The whole file is on its page (white space aside).
            source = re.sub(r"\s+", "", path.read_text(encoding="utf-8"))
            assert source in page_text(page), f"{shown}'s page lacks its text"
            assert f'href="{Path(href).name}"' not in text  # no self-link


@pytest.mark.e2e
def test_the_split_diagram_is_drawn(served):
    with chromium_page() as page:
        page.goto(served + "chapters/chapter04.html")
        diagram = page.locator("pre.mermaid svg")
        diagram.wait_for()
        drawn = diagram.text_content()
        for service in SERVICES:
            assert service in drawn
        assert "flowchart" not in page.locator("pre.mermaid").inner_text()


@pytest.mark.e2e
def test_the_diagram_is_drawn_from_a_file_too(site):
    # What `make docs` prints: open docs/_build/html/index.html. A page from
    # a file may load no ES module; the vendored script is a classic one.
    with chromium_page() as page:
        page.goto((site / "chapters" / "chapter04.html").as_uri())
        page.locator("pre.mermaid svg").wait_for()
        assert "Data service" in page.locator("pre.mermaid svg").text_content()


TABLES = """() => [...document.querySelectorAll("table")].map(table => {
    const box = table.parentElement.getBoundingClientRect();
    const own = table.getBoundingClientRect();
    return {text: table.rows[0].innerText, width: own.width, right: own.right,
            room: Math.min(box.right, innerWidth) - own.left};
})"""
# For each word of the sidebar's title, how many lines it spans.
TITLE_WORDS = """() => {
    const node = document.querySelector(".sidebar-brand-text").firstChild;
    const spans = [];
    for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        spans.push([word[0], tops.size]);
    }
    return spans;
}"""


@pytest.mark.e2e
def test_tables_fit_the_window_at_1200_pixels(served):
    with chromium_page() as page:
        page.set_viewport_size({"width": 1200, "height": 900})
        page.goto(served + "index.html")
        for word, lines in page.evaluate(TITLE_WORDS):
            assert lines == 1, f"the site's title breaks inside {word!r}"
        for name in existing_readmes():
            page.goto(served + f"chapters/{name}.html")
            for table in page.evaluate(TABLES):
                assert table["width"] <= table["room"] + 0.5, (name, table["text"])
                assert table["right"] <= 1200, (name, table["text"])
            assert page.evaluate("document.documentElement.scrollWidth") <= 1200
        # On a phone a table scrolls in its own box; the page does not.
        page.set_viewport_size({"width": 390, "height": 844})
        for name in existing_readmes():
            page.goto(served + f"chapters/{name}.html")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name


# The smallest label a reader can read; Furo's own text is about 16 px.
SMALLEST_LABEL_PX = 12
DIAGRAMS_DRAWN = """() => [...document.querySelectorAll("pre.mermaid")].every(
    pre => pre.dataset.processed && pre.querySelector("svg"))"""
# Each diagram's labels as shown: the computed font size times the scale from
# the label's own units to the screen (the SVG's viewBox, and any transform).
DIAGRAM_LABELS = """() => [...document.querySelectorAll("pre.mermaid svg")].map(svg => {
    const labels = [];
    const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        const box = element.closest("foreignObject") || element.closest("text");
        if (!box || !node.textContent.trim()) continue;
        if (!element.getBoundingClientRect().height) continue;  // not shown
        const size = parseFloat(getComputedStyle(element).fontSize);
        labels.push([size * box.getScreenCTM().a, node.textContent.trim()]);
    }
    labels.sort((a, b) => a[0] - b[0]);
    return {count: labels.length, smallest: labels[0]};
})"""
# Where a table cell's text goes on to a new line between two letters or
# digits with no space, slash, underscore... between them: a word cut in two.
CUT_WORDS = r"""() => {
    const cuts = [];
    for (const cell of document.querySelectorAll("table td, table th")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        let text = "", last = null;  // last: the previous character shown
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let i = 0; i < node.length; i++) {
                text += node.data[i];
                const range = document.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                const rect = range.getClientRects()[0];
                if (!rect || !rect.width) continue;  // collapsed white space
                const here = {at: text.length - 1, rect};
                if (last && rect.left < last.rect.left && rect.top > last.rect.top
                    && /^[A-Za-z0-9]+$/.test(text.slice(last.at))) {
                    cuts.push(text.slice(Math.max(0, last.at - 15), last.at + 1)
                              + "|" + text.slice(-1));
                }
                last = here;
            }
        }
    }
    return cuts;
}"""


def too_small(path: str, diagrams: list[dict]) -> list[str]:
    """The diagrams of a page whose smallest label is too small to read."""
    small = []
    for number, labels in enumerate(diagrams, 1):
        assert labels["count"], f"{path}: diagram {number} has no label"
        size, text = labels["smallest"]
        if size < SMALLEST_LABEL_PX:
            small.append(f"{path}, diagram {number}: {size:.1f} px ({text!r})")
    return small


@pytest.mark.e2e
def test_diagrams_and_tables_read_at_1200_pixels(served, site):
    """Every diagram's labels are 12 px or more; no table cuts a word in two.

    Mermaid scales a diagram down to the text column (720 pixels here): a
    flowchart drawn left to right, 1,900 pixels wide, had 6-pixel labels.
    """
    pages = sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if '<pre class="mermaid">' in path.read_text(encoding="utf-8")
    )
    assert {"chapters/chapter04.html", "chapters/chapter08.html"} <= set(pages)
    small, cut, drawn = [], [], 0
    with chromium_page() as page:
        page.set_viewport_size({"width": 1200, "height": 900})
        for path in pages:
            page.goto(served + path)
            page.wait_for_function(DIAGRAMS_DRAWN)
            labels = page.evaluate(DIAGRAM_LABELS)
            drawn += len(labels)
            small += too_small(path, labels)
        for name in ["index", *(f"chapters/{name}" for name in existing_readmes())]:
            page.goto(served + f"{name}.html")
            cut += [f"{name}: {word!r}" for word in page.evaluate(CUT_WORDS)]
    assert drawn >= 3
    assert not small + cut, "\n".join(
        ["labels too small to read:", *small, "table cells cut inside a word:", *cut]
    )


@pytest.mark.e2e
def test_a_search_for_etag_finds_chapter_05(served):
    with chromium_page() as page:
        page.goto(served + "search.html?q=ETag")
        found = page.locator("#search-results a[href*='chapters/chapter05.html']")
        found.first.wait_for()
        assert "Chapter 05" in found.first.inner_text()


@pytest.mark.e2e
def test_pages_load_nothing_from_outside_the_site(served):
    requested = []
    with chromium_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        for path in ["index.html", "chapters/chapter04.html",
                     "chapters/chapter01.html", "files/chapter05/http_cache.py.html",
                     "search.html?q=ETag"]:  # fmt: skip
            page.goto(served + path, wait_until="networkidle")
    assert any("/mermaid.min.js?" in url for url in requested)
    outside = [url for url in requested if not url.startswith(served)]
    assert not outside


class Links(HTMLParser):
    """The ``href``/``src`` of a page, and the ids it has."""

    def __init__(self):
        super().__init__()
        self.targets, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and not (tag == "a" and name == "src"):
                self.targets.append(attrs[name])


def fetch(url: str) -> bytes:
    try:
        with urlopen(url, timeout=10) as response:
            return response.read()
    except HTTPError as error:
        raise AssertionError(f"{url}: {error.code}") from None


def read_links(address: str, pages: dict, served: str) -> list[tuple[str, str]]:
    """Fetch ``address`` (it must answer); a page's links within the site,
    each with where it is, and the page kept in ``pages``."""
    body = fetch(address)
    if not address.endswith(".html"):
        return []
    parser = pages[address] = Links()
    parser.feed(body.decode("utf-8"))
    targets = (urljoin(address, target) for target in parser.targets)
    return [(target, address) for target in targets if target.startswith(served)]


@pytest.mark.e2e
def test_every_internal_link_resolves(served):
    pages, seen, wanted = {}, set(), [(served + "index.html", "index.html")]
    while wanted:
        url, linked_from = wanted.pop()
        address, fragment = urldefrag(url)
        if address not in pages and address not in seen:
            seen.add(address)
            wanted += read_links(address, pages, served)
        if fragment and address in pages:
            assert fragment in pages[address].ids, f"{url} (from {linked_from})"
    assert len([page for page in pages if "/files/" in page]) > 50
