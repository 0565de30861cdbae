"""Book: chapter 4, "Putting together the monolithic design": the app factory.

One Flask app does everything: users and login, the Strava connection, the
import of runs (a Celery task) and the dashboard. ``create_app`` builds it
for an environment (``FLASK_CONFIG`` names it when none is given)::

    >>> app = create_app("testing")
    >>> sorted(app.blueprints)
    ['auth', 'home', 'strava', 'users']
    >>> with app.app_context():  # done: close its database connection
    ...     db.engine.dispose()
"""

from flask import Flask
from flask_wtf import CSRFProtect

from chapter02.skeleton.config import Config, load_config

from .auth import login_manager
from .background import init_celery
from .config import CONFIGS
from .models import db
from .totals import pace
from .views import blueprints

csrf = CSRFProtect()


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """Build the app; settings from the config class (``None``: the one named
    by ``FLASK_CONFIG``, else development), ``FLASK_*`` env, then overrides.
    """
    app = Flask(__name__)
    # The session cookie is signed with SECRET_KEY: required, never a default.
    load_config(app, config, CONFIGS, **overrides)
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    init_celery(app)
    app.add_template_filter(pace)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    with app.app_context():
        db.create_all()  # a migration tool (Alembic) would do it in production
    return app
