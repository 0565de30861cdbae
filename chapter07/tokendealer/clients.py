"""Book: chapter 7, "The TokenDealer microservice": the registered clients.

A client is registered once, by whoever runs TokenDealer: its id, the hash
of its secret, and what its tokens are for (``audience``, ``scope``). The
client never chooses these; it may only ask for less scope. Secrets are
stored as scrypt hashes and compared in constant time.

    >>> registration = register("dashboard", "runnerly-data", "runs:read")
    >>> clients = Clients({"dashboard": registration.entry})
    >>> clients.authenticate("dashboard", registration.secret).audience
    'runnerly-data'
    >>> clients.authenticate("dashboard", "guess") is None
    True
    >>> clients.authenticate("nobody", registration.secret) is None
    True
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# scrypt's cost (RFC 7914): 16 MB and a few tens of milliseconds a check.
N, R, P = 2**14, 8, 1
# The checks run two at a time, in two threads of their own: a flood of
# logins waits in line instead of taking 16 MiB each at once, and the memory
# stays in two threads' malloc arenas, where glibc keeps it for the next
# check, not in one arena per request thread (see attempts.py). The threads
# start with the first check, never at import (gunicorn forks after it).
HASH_CHECKS = ThreadPoolExecutor(2, thread_name_prefix="secret-check")


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=N, r=R, p=P)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"scrypt${N}${R}${P}${encoded[0]}${encoded[1]}"


def secret_matches(secret: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    candidate = HASH_CHECKS.submit(
        hashlib.scrypt,
        secret.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
    ).result()
    return hmac.compare_digest(candidate, base64.b64decode(digest))


@dataclass(frozen=True)
class Client:
    client_id: str
    audience: str
    scope: frozenset[str]


@dataclass(frozen=True)
class Registration:
    secret: str  # shown once, to give to the client; never stored
    entry: dict  # what is stored


def register(client_id: str, audience: str, scope: str) -> Registration:
    secret = secrets.token_urlsafe(32)
    entry = {"secret_hash": hash_secret(secret), "audience": audience, "scope": scope}
    return Registration(secret, entry)


# Checked against when the client is unknown, so that an unknown id takes as
# long as a wrong secret: the time does not tell which ids exist.
_DUMMY_HASH = hash_secret("no client has this secret")


class Clients:
    def __init__(self, entries: dict[str, dict]):
        self.entries = entries

    @classmethod
    def from_file(cls, path: str | os.PathLike, extra: dict | None = None):
        """The registrations of a JSON file (if it exists), plus ``extra``."""
        path = Path(path)
        entries = json.loads(path.read_text()) if path.exists() else {}
        return cls({**entries, **(extra or {})})

    def authenticate(self, client_id: str, secret: str) -> Client | None:
        entry = self.entries.get(client_id)
        stored = entry["secret_hash"] if entry else _DUMMY_HASH
        if not secret_matches(secret, stored) or entry is None:
            return None
        return Client(client_id, entry["audience"], frozenset(entry["scope"].split()))
