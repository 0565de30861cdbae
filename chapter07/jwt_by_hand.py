"""Book: chapter 7, "The JWT standard": a token is three base64url parts.

``header.payload.signature``: the first two are JSON, base64url-encoded
without ``=`` padding; the third is the signature of ``header.payload``
(the ASCII text, not the decoded JSON). Nothing is encrypted: anyone who
holds a token can read it, so a token carries no secret.

    >>> token = (
    ...     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ...     ".eyJzdWIiOiJydW5uZXJseSJ9"
    ...     ".IrJSg4Ut825uqzeI0cqfp-O6NvdhKp960y65Z08eybM"
    ... )
    >>> header, payload, signature = split(token)
    >>> header
    {'alg': 'HS256', 'typ': 'JWT'}
    >>> payload
    {'sub': 'runnerly'}
    >>> len(signature)  # HMAC-SHA256: 32 bytes
    32

The signature is the HMAC of the first two parts with the shared key; one
changed character of the payload and it no longer matches:

    >>> key = b"a-32-byte-key-for-this-example!!"
    >>> hmac_sha256(key, token) == signature
    True
    >>> forged = token.replace("eyJzdWIiOiJydW5uZXJseSJ9", encode({"sub": "admin"}))
    >>> hmac_sha256(key, forged) == split(forged)[2]
    False
"""

import base64
import hashlib
import hmac
import json
import sys


def b64url_decode(part: str) -> bytes:
    """base64url without padding (RFC 7515 §2): the padding is put back."""
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode(claims: dict) -> str:
    """One JSON part, as a token carries it."""
    return b64url_encode(json.dumps(claims, separators=(",", ":")).encode())


def split(token: str) -> tuple[dict, dict, bytes]:
    """The header, the payload and the raw signature of a token, unverified."""
    header, payload, signature = token.split(".")
    return (
        json.loads(b64url_decode(header)),
        json.loads(b64url_decode(payload)),
        b64url_decode(signature),
    )


def hmac_sha256(key: bytes, token: str) -> bytes:
    """What HS256 signs: the text ``header.payload``, as sent."""
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def main() -> None:
    """``python -m chapter07.jwt_by_hand TOKEN``: its header and payload."""
    header, payload, signature = split(sys.argv[1])
    print(json.dumps(header, indent=2))
    print(json.dumps(payload, indent=2))
    print(f"signature: {len(signature)} bytes")


if __name__ == "__main__":
    main()
