"""Book: chapter 7, "X.509 certificate-based authentication": a test CA.

A certificate authority of our own, made with ``trustme``, for development
and tests only: it signs the service's certificate and each client's.
``python -m chapter07.dev_ca DIR`` writes ``ca.pem`` (what both sides
trust), ``server.pem`` / ``server.key`` (for 127.0.0.1) and
``dashboard.pem`` / ``dashboard.key`` (a client named ``dashboard``).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(path.name for path in write_test_ca(folder).iterdir())
    ['ca.pem', 'dashboard.key', 'dashboard.pem', 'server.key', 'server.pem']
"""

import sys
from pathlib import Path

import trustme


def write_certificate(cert: trustme.LeafCert, folder: Path, name: str) -> None:
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    (folder / f"{name}.pem").write_bytes(chain)
    key = folder / f"{name}.key"
    key.touch(mode=0o600)
    key.write_bytes(cert.private_key_pem.bytes())


def write_test_ca(folder, client: str = "dashboard") -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Runnerly test CA")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    write_certificate(ca.issue_cert("127.0.0.1", "localhost"), folder, "server")
    # A client certificate names the client: its common name is its identity.
    write_certificate(
        ca.issue_cert(f"{client}.runnerly.test", common_name=client), folder, client
    )
    return folder


def main() -> None:
    folder = write_test_ca(sys.argv[1] if len(sys.argv) > 1 else ".")
    print(f"Test CA, server and client certificates in {folder}")


if __name__ == "__main__":
    main()
