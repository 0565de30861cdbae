"""The JWT standard and PyJWT: tokens by hand, algorithms, the naive verifier."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.warnings import InsecureKeyLengthWarning

from chapter07.jwt_by_hand import b64url_encode, encode, hmac_sha256, split
from chapter07.naive_verifier import naive_decode
from chapter07.pyjwt_examples import new_rsa_key

KEY = b"a-32-byte-key-for-this-example!!"


@pytest.fixture(scope="module")
def rsa_key():
    return new_rsa_key()


def public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def hs256_by_hand(header: dict, claims: dict, key: bytes) -> str:
    unsigned = f"{encode(header)}.{encode(claims)}"
    return f"{unsigned}.{b64url_encode(hmac_sha256(key, unsigned + '.'))}"


def test_a_token_made_by_hand_is_one_pyjwt_accepts():
    token = hs256_by_hand({"alg": "HS256", "typ": "JWT"}, {"sub": "runnerly"}, KEY)
    assert jwt.decode(token, KEY, algorithms=["HS256"]) == {"sub": "runnerly"}


def test_split_reads_what_pyjwt_wrote(rsa_key):
    token = jwt.encode({"sub": "runnerly"}, rsa_key, algorithm="RS256")
    header, payload, signature = split(token)
    assert header == {"alg": "RS256", "typ": "JWT"}
    assert payload == {"sub": "runnerly"}
    assert len(signature) == 256  # a 2048-bit RSA signature


def test_rs256_verifies_with_the_public_key_only(rsa_key):
    token = jwt.encode({"sub": "runnerly"}, rsa_key, algorithm="RS256")
    claims = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"])
    assert claims == {"sub": "runnerly"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, new_rsa_key().public_key(), algorithms=["RS256"])


def test_decode_without_algorithms_is_refused(rsa_key):
    token = jwt.encode({"sub": "runnerly"}, rsa_key, algorithm="RS256")
    with pytest.raises(jwt.DecodeError, match="algorithms"):
        jwt.decode(token, rsa_key.public_key())


def test_a_short_hmac_key_is_an_error_here():
    # PyJWT warns; filterwarnings = error makes it an error.
    with pytest.raises(InsecureKeyLengthWarning):
        jwt.encode({"sub": "runnerly"}, b"short", algorithm="HS256")


def test_hs256_with_the_public_key_fools_the_naive_verifier_not_pyjwt(rsa_key):
    pem = public_pem(rsa_key)  # public: anyone can download it
    forged = hs256_by_hand({"alg": "HS256", "typ": "JWT"}, {"sub": "admin"}, pem)
    assert naive_decode(forged, pem) == {"sub": "admin"}  # fooled
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, rsa_key.public_key(), algorithms=["RS256"])
    # Even told to accept HS256, PyJWT will not use a PEM key as a secret.
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, pem, algorithms=["HS256"])


def test_alg_none_fools_the_naive_verifier_not_pyjwt(rsa_key):
    pem = public_pem(rsa_key)
    forged = f"{encode({'alg': 'none'})}.{encode({'sub': 'admin'})}."
    assert naive_decode(forged, pem) == {"sub": "admin"}
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, rsa_key.public_key(), algorithms=["RS256"])


def test_the_naive_verifier_does_check_a_real_rs256_signature(rsa_key):
    token = jwt.encode({"sub": "runnerly"}, rsa_key, algorithm="RS256")
    assert naive_decode(token, public_pem(rsa_key)) == {"sub": "runnerly"}
    header, payload, signature = token.split(".")
    changed = f"{header}.{encode({'sub': 'admin'})}.{signature}"
    with pytest.raises(ValueError, match="bad signature"):
        naive_decode(changed, public_pem(rsa_key))
