"""Book: chapter 8: ``python -m chapter08.dataservice`` serves on $PORT (5003).

Its database is a SQLite file in a temporary folder, removed when the service
stops, unless ``FLASK_SQLALCHEMY_DATABASE_URI`` names another (PostgreSQL:
``postgresql+psycopg://user@host/db``). Tokens come from the TokenDealer at
``FLASK_TOKEN_ISSUER``; ``FLASK_CORS_ORIGINS`` names the dashboard's origin.
"""

from chapter04.dataservice.serving import serve

from . import create_app


def main() -> None:
    serve(create_app, 5003, lambda app: f"Tokens from {app.config['TOKEN_ISSUER']}")


if __name__ == "__main__":
    main()
