"""The monolith (book: chapter 4, "Monolithic design").

One Flask app, its parts one module each: the models, the views, the
background import, the Strava client; ``app.py`` puts them together
(``create_app``). This file imports none of them: a later service that uses
one part (chapter 8's worker, the Strava client) imports that part and what
it needs, not the whole app, and chapter 9's wheel of that service carries
only that (Python runs a package's ``__init__.py`` before any of its modules).
"""
