"""Book: chapter 7, "The TokenDealer microservice": its signing keys, rotated.

Each key is a PEM file in one folder (never committed: see ``.gitignore``);
the newest signs, and every key in the folder is published in the JWK set,
so a new key can be added while tokens of the old one are still valid, and
the old one removed once they have expired. A key's ``kid`` is its RFC 7638
thumbprint: it names the key, nothing else, and a verifier looks it up.

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = KeyStore(folder.name)
    >>> old = store.signing_key().kid  # none yet: the first one is made
    >>> new = store.rotate().kid
    >>> [key["kid"] for key in store.jwks()["keys"]] == [new, old]
    True
    >>> store.signing_key().kid == new
    True
    >>> store.retire(old)
    >>> [key["kid"] for key in store.jwks()["keys"]] == [new]
    True
    >>> folder.cleanup()
"""

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ..jwt_by_hand import b64url_encode

ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict:
        """RFC 7517: ``n`` and ``e`` base64url, never the PEM."""
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        # RFC 7517 §4.3: "use" or "key_ops", not both; "use" is the common one.
        jwk.pop("key_ops", None)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without spaces."""
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    members = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


class KeyStore:
    """The keys of one folder; files are read again when the folder changes,
    so a rotation done by another process is seen at the next request."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._cache: dict[Path, SigningKey] = {}

    def keys(self) -> list[SigningKey]:
        """Newest first."""
        paths = sorted(self.folder.glob("key-*.pem"), reverse=True)
        for path in paths:
            if path not in self._cache:
                self._cache[path] = self._load(path)
        return [self._cache[path] for path in paths]

    def signing_key(self) -> SigningKey:
        keys = self.keys()
        return keys[0] if keys else self.rotate()

    def rotate(self) -> SigningKey:
        """A new key that signs from now on; the others stay published."""
        self.folder.mkdir(parents=True, exist_ok=True)
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # The name sorts by creation time, so the newest is found by name.
        path = self.folder / f"key-{time.time_ns():020d}.pem"
        # Readable by its owner only, from the first byte written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        return self.keys()[0]

    def retire(self, kid: str) -> None:
        """Unpublish a key: tokens it signed are refused from now on."""
        for path, key in list(self._cache.items()):
            if key.kid == kid:
                path.unlink(missing_ok=True)
                del self._cache[path]

    def jwks(self) -> dict:
        """RFC 7517 §5: an object with a ``keys`` member, not a bare list."""
        return {"keys": [key.public_jwk() for key in self.keys()]}

    @staticmethod
    def _load(path: Path) -> SigningKey:
        private_key = serialization.load_pem_private_key(
            path.read_bytes(), password=None
        )
        return SigningKey(thumbprint(private_key.public_key()), private_key)
