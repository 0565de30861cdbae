"""Book: chapter 4, "Data Service": ``python -m chapter04.dataservice`` on $PORT.

``FLASK_CONFIG`` picks the configuration (``development`` unless set). Its
database is a SQLite file in a temporary folder, removed when the service
stops, unless ``FLASK_SQLALCHEMY_DATABASE_URI`` names another.
"""

from . import create_app
from .serving import serve


def main() -> None:
    serve(
        create_app,
        5000,
        lambda app: f"Database: {app.config['SQLALCHEMY_DATABASE_URI']}",
    )


if __name__ == "__main__":
    main()
