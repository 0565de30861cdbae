"""Chapter 7 fixtures: TokenDealer with a registered client, in-process or
as real processes in front of the secured data service."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from chapter04.dataservice import create_app as create_data_service
from chapter07.tests.helpers import Registered, registered_clients
from chapter07.tokendealer import create_app
from testkit.databases import close_database
from testkit.fixtures import server_fixture
from testkit.runnerly import dealer_settings
from testkit.servers import ServerProcess, python_command


@pytest.fixture(scope="session")
def registered() -> Registered:
    return registered_clients()


@pytest.fixture
def dealer(tmp_path, registered):
    return create_app("testing", **dealer_settings(tmp_path, registered.clients))


@pytest.fixture
def client(dealer):
    return dealer.test_client()


@dataclass
class Services:
    dealer: ServerProcess
    data: ServerProcess
    key_dir: Path
    registered: Registered

    def private_key(self):
        """The key TokenDealer signs with: for forging tokens in the tests."""
        path = sorted(self.key_dir.glob("key-*.pem"))[-1]
        return serialization.load_pem_private_key(path.read_bytes(), password=None)


@server_fixture(scope="module")
def services(tmp_path_factory, registered):
    """TokenDealer and the secured data service, two real processes, once per
    module: the attacks only read, so they share them (a start costs ~1 s)."""
    key_dir = tmp_path_factory.mktemp("tokendealer") / "keys"
    dealer = ServerProcess(
        python_command("-m", "chapter07.tokendealer"),
        env={
            "FLASK_KEY_DIR": str(key_dir),
            "FLASK_CLIENTS_FILE": str(key_dir.parent / "clients.json"),
            "FLASK_CLIENTS": json.dumps(registered.clients),
        },
    ).start()
    try:
        data = ServerProcess(
            python_command("-m", "chapter07.secured_dataservice"),
            env={"FLASK_TOKEN_ISSUER": dealer.url},
        ).start()
    except Exception:
        dealer.stop()
        raise
    yield Services(dealer, data, key_dir, registered)
    data.stop()
    dealer.stop()


# The web application firewall (test_ch07_waf*.py): a real nginx in front.


@pytest.fixture
def data_service(live_server, tmp_path):
    """Chapter 4's data service on a live port, behind the WAF's nginx."""
    app = create_data_service(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/data.db"
    )
    yield live_server(app)
    close_database(app)


@server_fixture
def waf(tmp_path):
    """``waf("lua", upstream, Limits(...))``: nginx set up by chapter07.waf_nginx
    (``paranoia=1``, say, passed on to its setup)."""
    from chapter07 import waf_nginx
    from testkit import services

    started = []

    def run(setup: str, upstream: str, limits=None, **options) -> ServerProcess:
        make, _ = waf_nginx.SETUPS[setup]
        http, server = make(upstream, limits or waf_nginx.Limits(), **options)
        modules = None
        if setup == "modsecurity":
            if not Path("/usr/share/modsecurity-crs/rules").is_dir():
                services.missing("no OWASP CRS: sudo apt-get install modsecurity-crs")
            modules = {
                "ngx_http_modsecurity_module.so": "libnginx-mod-http-modsecurity"
            }
        workdir = tmp_path / f"waf{len(started)}"
        workdir.mkdir()
        process = services.nginx_server(
            workdir, server, http=http, lua=setup == "lua", modules=modules
        ).start()
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop()
