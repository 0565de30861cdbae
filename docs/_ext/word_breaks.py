"""Table cells may wrap a long name after ``_`` or ``/``, never inside a word.

The READMEs' tables are full of file and test names such as
``test_ch08_dashboard_browser.py`` or ``dashboard/services.py``: one word
each for a browser, wider than a column of a three-column table. Left
alone, the table is wider than the text column; cut at any letter
(``overflow-wrap: anywhere``) it reads "dashboar|d". So in each table a
long name gets a ``<wbr>`` (a place where a line may end, no character)
after every underscore or slash that a letter or digit follows, and the
site's CSS lets table cells wrap only there and between words. A short
name (``wsgi_service.py``) gets none: it fits a column whole, and is better
moved whole to the next line than cut at its first underscore.

Done on the page's HTML, after the search index is made from the document:
the search still finds whole names, and a copied name has no added
character.
"""

import re

from sphinx.application import Sphinx

TABLE = re.compile(r'<table class="docutils.*?</table>', re.S)
TEXT = re.compile(r">([^<]+)<")
# Longer than this, a name may not fit a column of a three-column table at
# 1200 pixels (about 28 characters wide, fewer in code).
LONG_NAME = re.compile(r"\S{21,}")
AFTER_SEPARATOR = re.compile(r"(?<=[_/])(?=\w)")


def with_breaks(name: re.Match) -> str:
    return AFTER_SEPARATOR.sub("<wbr>", name[0])


def break_opportunities(table: re.Match) -> str:
    """The table's HTML, with ``<wbr>`` in its text (not in its tags)."""
    return TEXT.sub(lambda text: f">{LONG_NAME.sub(with_breaks, text[1])}<", table[0])


def add_breaks(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = TABLE.sub(break_opportunities, context["body"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_breaks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
