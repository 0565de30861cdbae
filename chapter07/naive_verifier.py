"""Book: chapter 7, "PyJWT": DELIBERATELY BROKEN, the algorithm confusion.

Never use this. It is here to show what ``algorithms=`` prevents: it
believes the token's ``alg`` header and verifies with "the key" it has,
the issuer's public key. For ``RS256`` that is right; for ``HS256`` it uses
the public key, which anyone can download, as the HMAC secret, so anyone
can sign a token it accepts. With ``alg: none`` it checks nothing at all.
The tests forge such tokens; this accepts them, the data service refuses
them (and PyJWT itself refuses a PEM public key as an HMAC secret).
"""

import hashlib
import hmac
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .jwt_by_hand import b64url_decode


def naive_decode(token: str, public_pem: bytes) -> dict:
    """The claims if "the signature" matches, per the token's own ``alg``."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64url_decode(header_part))
    signing_input = f"{header_part}.{payload_part}".encode()
    signature = b64url_decode(signature_part)
    alg = header.get("alg")
    if alg == "RS256":
        key = serialization.load_pem_public_key(public_pem)
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise ValueError("bad signature") from None
    elif alg == "HS256":  # the flaw: the public key used as a shared secret
        expected = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise ValueError("bad signature")
    elif alg != "none":  # the other flaw: "none" means no check at all
        raise ValueError(f"unknown alg {alg}")
    return json.loads(b64url_decode(payload_part))
