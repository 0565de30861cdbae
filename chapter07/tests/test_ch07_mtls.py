"""Mutual TLS: the service's CA decides who may connect."""

import pytest
import requests

from chapter07.dev_ca import write_test_ca
from chapter07.nginx_mtls import create_app as create_backend
from chapter07.nginx_mtls import tls_server
from testkit.servers import python_command


@pytest.fixture
def tls(tmp_path):
    return write_test_ca(tmp_path / "ours")


@pytest.fixture
def mtls_service(server_process, tls):
    return server_process(
        python_command("-m", "chapter07.mtls_service"),
        env={
            "FLASK_TLS_CERT": str(tls / "server.pem"),
            "FLASK_TLS_KEY": str(tls / "server.key"),
            "FLASK_TLS_CLIENT_CA": str(tls / "ca.pem"),
        },
    )


def whoami(port: int, tls, cert=None):
    """``GET /whoami`` over TLS checked against our CA, from ``cert`` if any."""
    url = f"https://127.0.0.1:{port}/whoami"
    return requests.get(url, verify=str(tls / "ca.pem"), cert=cert, timeout=10)


def test_a_client_with_a_certificate_of_our_ca_passes(mtls_service, tls):
    cert = (str(tls / "dashboard.pem"), str(tls / "dashboard.key"))
    response = whoami(mtls_service.port, tls, cert)
    assert response.status_code == 200
    assert response.json() == {"client": "dashboard"}


def test_a_client_without_a_certificate_is_refused(mtls_service, tls):
    with pytest.raises(requests.exceptions.ConnectionError):
        whoami(mtls_service.port, tls)


def test_a_client_of_another_ca_is_refused(mtls_service, tls, tmp_path):
    other = write_test_ca(tmp_path / "other")  # same names, another CA
    cert = (str(other / "dashboard.pem"), str(other / "dashboard.key"))
    with pytest.raises(requests.exceptions.ConnectionError):
        whoami(mtls_service.port, tls, cert)


def test_the_client_checks_the_server_too(mtls_service, tls, tmp_path):
    # Mutual: a client that trusts another CA refuses our service.
    other = write_test_ca(tmp_path / "other")
    cert = (str(tls / "dashboard.pem"), str(tls / "dashboard.key"))
    with pytest.raises(requests.exceptions.SSLError):
        whoami(mtls_service.port, other, cert)


# The same through nginx, the suite's real one (testkit/services.py).

PLAIN = """\
location / {
    default_type application/json;
    return 403 '{"status": 403, "message": "HTTPS with a client certificate only"}';
}"""


@pytest.fixture
def nginx_mtls(nginx, live_server, tls, free_port):
    backend = live_server(create_backend("testing"))
    nginx(server=PLAIN, http=tls_server(free_port, str(tls), backend.url))
    return free_port


def test_nginx_passes_a_client_of_our_ca(nginx_mtls, tls):
    cert = (str(tls / "dashboard.pem"), str(tls / "dashboard.key"))
    response = whoami(nginx_mtls, tls, cert)
    assert response.status_code == 200
    assert response.json() == {"client": "dashboard"}


def test_nginx_refuses_a_client_without_a_certificate(nginx_mtls, tls):
    response = whoami(nginx_mtls, tls)
    assert response.status_code == 400
    assert "No required SSL certificate" in response.text


def test_nginx_refuses_a_client_of_another_ca(nginx_mtls, tls, tmp_path):
    other = write_test_ca(tmp_path / "other")
    cert = (str(other / "dashboard.pem"), str(other / "dashboard.key"))
    response = whoami(nginx_mtls, tls, cert)
    assert response.status_code == 400
    assert "SSL certificate error" in response.text


def test_the_backend_alone_names_no_one():
    client = create_backend("testing").test_client()
    assert client.get("/whoami").status_code == 401
