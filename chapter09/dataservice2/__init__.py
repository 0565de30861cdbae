"""Book: chapter 9, "Versioning": release 2 of the data service, schema changed.

Release 2 (``runnerly-dataservice`` 2.0.0) records each run's sport type
(Strava's ``sport_type``: ``Run``, ``TrailRun``, ``VirtualRun``...): one more
column in chapter 4's ``runs`` table. A database release 1 filled has no such
column: before release 2 serves, ``runnerly-dataservice migrate`` changes the
schema and the rows already there (:mod:`.migrate`, with Alembic).

How a second release lives in this repository: in a project's own history
it would be the same files, changed and tagged ``v2.0.0``; here both
releases must stay runnable side by side, so release 2 is chapter 8's data
service plus this package (the delta), and its project is
``chapter09/projects/dataservice2`` (the same distribution name, version 2).
"""

from flask import Flask

from chapter08.dataservice import create_app as create_release_1

from .models import add_sport_type


def create_app(config=None, **overrides) -> Flask:
    """Release 1's app, on release 2's schema (``runs.sport_type``)."""
    add_sport_type()
    return create_release_1(config, **overrides)
