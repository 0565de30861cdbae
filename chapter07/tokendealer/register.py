"""Book: chapter 7, "The TokenDealer microservice": register a client.

``python -m chapter07.tokendealer.register CLIENT_ID AUDIENCE SCOPE...``
adds (or replaces) the client in ``CLIENTS_FILE``, stores the hash of a new
random secret, and prints the secret once: give it to the client; it is
stored nowhere.
"""

import argparse
import json
import os
from pathlib import Path

from . import INSTANCE
from .clients import register


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client_id")
    parser.add_argument("audience", help="the service its tokens are for")
    parser.add_argument("scope", nargs="+", help="what its tokens allow")
    args = parser.parse_args(argv)
    path = Path(os.environ.get("FLASK_CLIENTS_FILE", INSTANCE / "clients.json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    clients = json.loads(path.read_text()) if path.exists() else {}
    registration = register(args.client_id, args.audience, " ".join(args.scope))
    clients[args.client_id] = registration.entry
    path.write_text(json.dumps(clients, indent=2) + "\n")
    print(registration.secret)


if __name__ == "__main__":
    main()
