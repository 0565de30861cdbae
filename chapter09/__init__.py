"""Book: chapter 9, "Packaging and Running Runnerly": each service a project.

Chapter 8's services become distributions of their own (``projects/``),
built, checked, released to a package index and installed each in its own
virtual environment, then run together under Circus.
"""
