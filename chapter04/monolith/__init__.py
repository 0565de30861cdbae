"""The monolith (book: chapter 4, "Putting together the monolithic design").

One Flask app does everything: users and login, the Strava connection, the
import of runs (a Celery task) and the dashboard. The application factory
builds it for an environment::

    >>> app = create_app("testing")
    >>> sorted(app.blueprints)
    ['auth', 'home', 'strava', 'users']
"""

from flask import Flask
from flask_wtf import CSRFProtect

from .auth import login_manager
from .background import init_celery
from .config import CONFIGS, Config
from .models import db
from .totals import pace
from .views import blueprints

csrf = CSRFProtect()


def create_app(config: str | type[Config] = "development", **overrides) -> Flask:
    """Build the app; settings from the config class, ``FLASK_*`` env, overrides."""
    app = Flask(__name__)
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        # The session cookie is signed with it: never a default in production.
        raise RuntimeError(
            "no SECRET_KEY: set the FLASK_SECRET_KEY environment variable"
        )
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
