"""The proxy's Sphinx docs (book: chapter 3, "Developer documentation").

The API page is generated from the code: ``autoflask`` lists every route of
the app with its docstring, ``autodoc`` documents the client, so the docs
cannot miss a route. Build:
``python -m sphinx -W -b html chapter03/docs chapter03/docs/_build/html``.
"""

import sys
from pathlib import Path

# The repository root, so that ``import chapter03.tracker`` works.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

project = "Bug tracker proxy"
author = "Python Microservices Development, companion code"
extensions = [
    "sphinx.ext.autodoc",
    "sphinxcontrib.httpdomain",
    "sphinxcontrib.autohttp.flask",
]
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
html_theme = "alabaster"
