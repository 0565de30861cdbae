"""Book: chapter 7, "PyJWT": sign and verify with HS256 and RS256.

HS256 signs with a shared secret: whoever can verify can also sign. RS256
signs with a private key and verifies with the public one, so the services
that check tokens hold nothing that makes them:

    >>> secret = b"a-32-byte-key-for-this-example!!"  # 32+ bytes for HS256
    >>> token = jwt.encode({"sub": "runnerly"}, secret, algorithm="HS256")
    >>> jwt.decode(token, secret, algorithms=["HS256"])
    {'sub': 'runnerly'}

    >>> private_key = new_rsa_key()
    >>> token = jwt.encode({"sub": "runnerly"}, private_key, algorithm="RS256")
    >>> jwt.decode(token, private_key.public_key(), algorithms=["RS256"])
    {'sub': 'runnerly'}

``algorithms=`` is required: the header's ``alg`` is written by whoever made
the token, so the verifier must say which algorithms it accepts. PyJWT 2
refuses to decode without it:

    >>> try:
    ...     jwt.decode(token, private_key.public_key())
    ... except jwt.DecodeError as error:
    ...     print(textwrap.fill(str(error), 64))
    It is required that you pass in a value for the "algorithms"
    argument when calling decode().

A token whose header names another algorithm than the one allowed is refused:

    >>> jwt.decode(token, secret, algorithms=["HS256"])
    Traceback (most recent call last):
      ...
    jwt.exceptions.InvalidAlgorithmError: The specified alg value is not allowed
"""

import textwrap

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["jwt", "new_rsa_key", "textwrap"]


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, the smallest RFC 7518 allows for RS256."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
