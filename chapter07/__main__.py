"""Book: chapter 7, "Securing Your Services": the chapter in one command.

``python -m chapter07`` registers two clients with secrets made for this
run (``demo``: ``data:read data:write``; ``reader``: ``data:read``), starts
TokenDealer with them (:mod:`.tokendealer`: its keys and registrations in a
temporary folder, nothing written to ``instance/``), the data service
behind bearer tokens (:mod:`.secured_dataservice`) and, where nginx and its
Lua module are installed, the WAF in front of it (:mod:`.waf_nginx`), on
ports BASE+1 to BASE+3 (``--port-base`` or ``RUNNERLY_PORT_BASE``; without
either, 5001 to 5003 when they are free, else free ports). It asks for a
token and calls the service without and with it (and through the WAF as a
scanner), then prints the secrets and the commands to try. Ctrl-C or
SIGTERM stops them all (:mod:`chapter06.machinery.launcher`).
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import requests

from chapter06.machinery import launcher
from chapter06.machinery.launcher import Launcher, Service

from .tokendealer.clients import register
from .waf_nginx import LUA_MODULES, MODULES

NAMES = ("tokendealer", "dataservice", "waf")
AUDIENCE = "runnerly-data"
CLIENTS = {"demo": "data:read data:write", "reader": "data:read"}


class SecurityDemo(Launcher):
    port_hint = "set --port-base"

    def __init__(self, base: int | None = None, **options):
        ports = launcher.pick_ports(base, len(NAMES))
        self.ports = dict(zip(NAMES, ports, strict=True))
        self.secrets: dict[str, str] = {}
        self._folder: tempfile.TemporaryDirectory | None = None
        self.first_calls: list[str] = []
        self.has_waf = False
        super().__init__([], **options)

    def url(self, name: str) -> str:
        return f"http://{launcher.HOST}:{self.ports[name]}"

    def start(self) -> "SecurityDemo":
        self._folder = tempfile.TemporaryDirectory(prefix="chapter07-demo-")
        self.services = self.security_services(Path(self._folder.name))
        super().start()
        self.first_calls = self.try_it()
        return self

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self._folder is not None:
                self._folder.cleanup()
                self._folder = None

    def security_services(self, folder: Path) -> list[Service]:
        # Given to TokenDealer in its environment only: the hashes. The
        # secrets are printed once, for the class to use.
        registrations = {}
        for client_id, scope in CLIENTS.items():
            registration = register(client_id, AUDIENCE, scope)
            registrations[client_id] = registration.entry
            self.secrets[client_id] = registration.secret
        return [
            Service(
                "tokendealer",
                launcher.python("chapter07.tokendealer"),
                {
                    "FLASK_KEY_DIR": str(folder / "keys"),
                    # No file: every registration comes from FLASK_CLIENTS.
                    "FLASK_CLIENTS_FILE": str(folder / "no-clients.json"),
                    "FLASK_CLIENTS": json.dumps(registrations),
                },
                self.ports["tokendealer"],
                health="/.well-known/jwks.json",
            ),
            Service(
                "dataservice",
                launcher.python("chapter07.secured_dataservice"),
                {
                    "FLASK_TOKEN_ISSUER": self.url("tokendealer"),
                    "FLASK_TOKEN_AUDIENCE": AUDIENCE,
                },
                self.ports["dataservice"],
                health=None,  # every path needs a token: ready when it listens
            ),
            *self.waf(),
        ]

    def waf(self) -> list[Service]:
        """nginx with the Lua WAF in front of the data service, where nginx
        and its Lua module are installed (``make services``)."""
        self.has_waf = waf_available()
        if not self.has_waf:
            return []
        command = launcher.python("chapter07.waf_nginx")
        command += ["lua", self.url("dataservice")]
        return [Service("waf", command, {}, self.ports["waf"], health=None)]

    def try_it(self) -> list[str]:
        """What the service answers without a token, then with one (and,
        through the WAF, to a scanner)."""
        users = self.url("dataservice") + "/users"
        try:
            refused = requests.get(users, timeout=10)
            token = requests.post(
                self.url("tokendealer") + "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=("demo", self.secrets["demo"]),
                timeout=10,
            ).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            served = requests.get(users, headers=bearer, timeout=10)
            lines = [
                f"  GET /users with no token:            {refused.status_code}"
                f" ({refused.headers.get('WWW-Authenticate')})",
                f"  GET /users with demo's token:        {served.status_code}"
                f" {served.text.strip()}",
            ]
            if self.has_waf:
                scanner = {**bearer, "User-Agent": "sqlmap/1.8"}
                blocked = requests.get(
                    self.url("waf") + "/users", headers=scanner, timeout=10
                )
                lines.append(
                    f"  the same through the WAF, as sqlmap: {blocked.status_code}"
                    f" {blocked.text.strip()}"
                )
        except (requests.RequestException, ValueError, KeyError) as error:
            return [f"(the first calls failed: {error})"]
        return lines

    def banner(self) -> str:
        dealer, data, waf = (self.url(name) for name in NAMES)
        grant = "-d grant_type=client_credentials"
        as_json = "-H 'Content-Type: application/json'"
        bearer = '-H "Authorization: Bearer $token"'
        if self.has_waf:
            waf_line = f"  WAF            {waf}/users  (nginx and Lua in front of it)"
            through_waf = [
                "Through the WAF: a scanner refused; a flood cut (5 at once, then 429)",
                f"  curl -s -A sqlmap {bearer} {waf}/users",
                "  for i in $(seq 12); do",
                "    curl -s -o /dev/null -w '%{http_code} ' \\",
                f"      {bearer} {waf}/users",
                "  done; echo",
            ]
        else:
            waf_line = "  (no WAF: nginx with its Lua module is not installed)"
            through_waf = []
        return "\n".join(
            [
                "",
                "Chapter 7 is up: TokenDealer, and the data service behind tokens.",
                f"  TokenDealer    {dealer}/oauth/token",
                f"                 its public keys: {dealer}/.well-known/jwks.json",
                f"  data service   {data}/users  (GET: data:read, POST: data:write)",
                waf_line,
                "",
                "Already tried:",
                *self.first_calls,
                "",
                "Two clients registered for this run; paste their secrets first:",
                f"  secret={self.secrets['demo']}  # demo: data:read data:write",
                f"  reader_secret={self.secrets['reader']}  # reader: data:read",
                "Then a token (client credentials), taken apart, and used:",
                f'  curl -s -u "demo:$secret" {grant} {dealer}/oauth/token',
                f'  token=$(curl -s -u "demo:$secret" {grant} \\',
                f"    {dealer}/oauth/token | jq -r .access_token)",
                '  python -m chapter07.jwt_by_hand "$token"',
                f"  curl -s {bearer} {data}/users",
                f"  curl -s {bearer} {as_json} \\",
                f'    -d \'{{"email": "ann@runnerly.test"}}\' {data}/users',
                "A token without the scope (reader's, on a POST: 403):",
                f'  reader_token=$(curl -s -u "reader:$reader_secret" {grant} \\',
                f"    {dealer}/oauth/token | jq -r .access_token)",
                f'  curl -s -H "Authorization: Bearer $reader_token" {as_json} \\',
                f'    -d \'{{"email": "bob@runnerly.test"}}\' {data}/users',
                *through_waf,
                "",
                "Ctrl-C stops everything.",
                "",
            ]
        )


def waf_available() -> bool:
    nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    return nginx is not None and all((MODULES / m).exists() for m in LUA_MODULES)


def main(argv: list[str] | None = None) -> int:
    return launcher.run_demo(
        "python -m chapter07", __doc__, len(NAMES), SecurityDemo, argv
    )


if __name__ == "__main__":
    sys.exit(main())
