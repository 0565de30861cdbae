"""A fake of Strava's API v3, for Runnerly's tests and demos (book: chapter 4).

Book: chapter 4, "Designing Runnerly": Runnerly imports its users' runs from
Strava. There is no network here, so this small Flask app plays Strava: the
OAuth authorization-code flow, the athlete and their activities, and the rate
limits, at the same paths and with the same JSON as https://www.strava.com.

    >>> app = create_app(seed=42)
    >>> fake = app.extensions["fakestrava"]
    >>> [fake.athlete(id)["firstname"] for id in fake.athlete_ids()]
    ['Sifan', 'Chloé', 'Frank']
    >>> app.test_client().get("/api/v3/athlete").json["message"]
    'Authorization Error'
"""

from flask import Flask

from .api import api
from .errors import register_faults
from .oauth import oauth
from .state import FakeStrava

__all__ = ["FakeStrava", "create_app"]


def create_app(**options) -> Flask:
    """The fake Strava as a Flask app; its state is ``app.extensions["fakestrava"]``.

    ``options`` are :class:`FakeStrava`'s: ``seed``, ``client_id`` and
    ``client_secret`` (the one registered app), ``athletes``,
    ``activities_per_athlete``, ``token_lifetime``, ``rate_limit`` (15-minute
    limit, daily limit), ``clock`` (epoch seconds; tests pass a fake one to
    expire tokens or move to the next window) and ``app_name``.
    """
    app = Flask(__name__)
    app.extensions["fakestrava"] = FakeStrava(**options)
    register_faults(app)  # Strava's error bodies, for bad JSON bodies too
    app.register_blueprint(oauth)
    app.register_blueprint(api)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on a page that names no icon (the API's JSON);
        # the consent page names static/favicon.svg itself.
        return app.send_static_file("favicon.svg")

    return app
