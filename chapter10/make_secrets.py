"""Book: chapter 10, "Docker Compose": the stack's secrets, made on the spot.

The book's images carried their keys. Here no secret is in an image or in
the repository: ``python -m chapter10.make_secrets`` writes them next to
``compose.yaml``, in files git ignores (``chapter10/.gitignore``) and the
image builds never see (``chapter10/.dockerignore``):

- ``secrets/postgres_password`` and ``secrets/pgpass``: Compose secrets,
  files mounted in ``/run/secrets/``, read by PostgreSQL
  (``POSTGRES_PASSWORD_FILE``) and by libpq in the data service
  (``PGPASSFILE``): no password in an environment variable or a URL;
- ``.env``: what the services read from their environment (Flask's secret
  key, each client's secret, TokenDealer's registrations, which hold hashes
  only), which Compose substitutes into ``compose.yaml``.

Secrets that exist are kept (a running stack depends on them); ``--force``
makes new ones.

    >>> env = dotenv_lines({"A": "1", "B": '{"x": 1}'})
    >>> print(env)
    A='1'
    B='{"x": 1}'
    <BLANKLINE>
"""

import argparse
import json
import os
import secrets
from pathlib import Path

from chapter07.tokendealer.clients import register

HERE = Path(__file__).resolve().parent
AUDIENCE = "runnerly-data"
# The two clients of chapter 08's contract and the scope each may ask for.
CLIENT_SCOPES = {
    "runnerly-worker": "users:read runs:write strava:tokens sync:write",
    "runnerly-dashboard": "users:write strava:tokens sync:write runs:read",
}


def dotenv_lines(values: dict[str, str]) -> str:
    # Single quotes: Compose takes the value as it is, JSON included.
    return "".join(f"{name}='{value}'\n" for name, value in values.items())


def make(folder: Path) -> dict[str, str]:
    """Write the secrets into ``folder``; the environment values, returned."""
    clients, client_secrets = {}, {}
    for client_id, scope in CLIENT_SCOPES.items():
        registration = register(client_id, AUDIENCE, scope)
        clients[client_id] = registration.entry
        client_secrets[client_id] = registration.secret
    clients["runnerly-dashboard"]["token_exchange"] = True
    password = secrets.token_urlsafe(24)
    values = {
        "RUNNERLY_SECRET_KEY": secrets.token_urlsafe(32),
        "RUNNERLY_CLIENTS": json.dumps(clients),
        "RUNNERLY_WORKER_SECRET": client_secrets["runnerly-worker"],
        "RUNNERLY_DASHBOARD_SECRET": client_secrets["runnerly-dashboard"],
    }
    private = folder / "secrets"
    private.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(private / "postgres_password", password)
    # libpq's password file: host:port:database:user:password, any host and
    # port (the service's name on Compose's network, 127.0.0.1 on the host's).
    _write(private / "pgpass", f"*:*:runnerly:runnerly:{password}\n")
    _write(folder / ".env", dotenv_lines(values))
    return values


def _write(path: Path, text: str) -> None:
    # Readable by the owner only, from the first byte; the containers run as
    # uid 10001 and get the files through Compose's secrets (mode 0444).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def main() -> None:
    parse = argparse.ArgumentParser(prog="python -m chapter10.make_secrets")
    parse.add_argument("--folder", type=Path, default=HERE)
    parse.add_argument("--force", action="store_true", help="replace existing ones")
    args = parse.parse_args()
    folder = args.folder.resolve()
    if folder.is_relative_to(Path.cwd()):
        folder = folder.relative_to(Path.cwd())
    where = f"{folder / '.env'} and {folder / 'secrets'}/"
    if (args.folder / ".env").exists() and not args.force:
        print(f"secrets kept: {where} (--force makes new ones)")
        return
    make(args.folder)
    print(f"secrets written: {where}")


if __name__ == "__main__":
    main()
