"""The site's diagrams: Mermaid blocks drawn in the browser, with no network.

The chapter READMEs draw diagrams in ```` ```mermaid ```` blocks, which
GitHub renders. On the site each becomes ``<pre class="mermaid">`` and the
Mermaid script vendored in ``_static/mermaid/`` (an exact release from the
npm registry, its licence beside it) draws it when the page loads.

Why not sphinxcontrib-mermaid: it loads Mermaid as an ES module
(``<script type="module">import mermaid from ...``), and browsers refuse
modules to a page opened from a file (its origin is ``null``), so the site
opened as ``docs/_build/html/index.html`` would show the source text again.
Mermaid's single-file bundle is a classic script, which loads from a file
as well as from a server. Only the pages that have a diagram load it.
"""

import html

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

SCRIPT = "mermaid/mermaid.min.js"
MARKER = '<pre class="mermaid">'


class Mermaid(SphinxDirective):
    """``mermaid`` blocks (MyST passes fences to it: ``myst_fence_as_directive``)."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        return [nodes.raw("", f"{MARKER}{html.escape(code)}</pre>", format="html")]


def add_script(app: Sphinx, pagename, templatename, context, doctree) -> None:
    # Added during html-page-context, the scripts go to this page only.
    if MARKER in context.get("body", ""):
        app.add_js_file(SCRIPT)
        app.add_js_file("diagrams.js")


def setup(app: Sphinx) -> dict:
    app.add_directive("mermaid", Mermaid)
    app.connect("html-page-context", add_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
