"""Book: chapter 7, "Securing your code": asserting incoming data.

One module per vulnerability, each with a ``vulnerable`` version (the
mistake, deliberately kept, marked for Bandit with the reason) and a
``safe`` one; ``chapter07/tests/test_ch07_asserting_data.py`` runs the same
exploit against both. :mod:`.body_validation` checks JSON bodies against a
schema with size limits.
"""
