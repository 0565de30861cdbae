"""A fake of Strava's API v3, for Runnerly's tests and demos (book: chapter 4).

Book: chapter 4, "Designing Runnerly": Runnerly imports its users' runs from
Strava. There is no network here, so this small Flask app plays Strava: the
OAuth authorization-code flow, the athlete and their activities, and the rate
limits, at the same paths and with the same JSON as https://www.strava.com.

    >>> app = create_app(seed=42)
    >>> fake = app.extensions["fakestrava"]
    >>> fake.athlete_ids()
    [1, 2, 3]
"""

import time
from collections.abc import Callable

from flask import Flask

from chapter02.skeleton.errors import JSONProvider

from .api import api
from .errors import register_faults
from .oauth import oauth
from .state import FakeStrava

__all__ = ["FakeStrava", "create_app"]


def create_app(
    seed: int = 42,
    client_id: str = "1234",
    client_secret: str = "fake-secret",
    athletes: int = 3,
    activities_per_athlete: int = 60,
    token_lifetime: int = 21600,
    rate_limit: tuple[int, int] = (100, 1000),
    clock: Callable[[], float] = time.time,
    app_name: str = "Runnerly",
) -> Flask:
    """The fake Strava as a Flask app; its state is ``app.extensions["fakestrava"]``.

    ``client_id``/``client_secret`` are the one registered app, ``rate_limit``
    is (15-minute limit, daily limit), ``clock`` returns epoch seconds (tests
    pass a fake one to expire tokens or move to the next window).
    """
    app = Flask(__name__)
    app.extensions["fakestrava"] = FakeStrava(
        seed=seed,
        client_id=client_id,
        client_secret=client_secret,
        athletes=athletes,
        activities_per_athlete=activities_per_athlete,
        token_lifetime=token_lifetime,
        rate_limit=rate_limit,
        clock=clock,
        app_name=app_name,
    )
    register_faults(app)
    # A JSON body nested too deep is a 400 like any bad JSON, not a 500.
    app.json = JSONProvider(app)
    app.register_blueprint(oauth)
    app.register_blueprint(api)
    return app
