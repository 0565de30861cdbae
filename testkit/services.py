"""Real external services (Redis, nginx, ...) started by the suite.

The pattern every chapter follows: find the real binary, start it on a free
loopback port with its files in a temporary folder, wait until it answers,
stop it at the end. Where the binary is missing, the test skips with one line
saying how to install it; under ``REQUIRE_SERVICES=1`` (CI) that is a failure,
so a green CI always means the real thing ran.
"""

import os
import shutil
import socket
from pathlib import Path

import pytest

from .ports import LOCALHOST, free_port
from .servers import ServerProcess

# Debian installs daemons in sbin, which is not on every user's PATH.
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]
)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def missing(reason: str) -> None:
    """Skip the test, or fail it when CI requires every service."""
    if services_required():
        pytest.fail(f"{reason} (required: REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


def no_skip_when_required(report: pytest.TestReport) -> pytest.TestReport:
    """Turn a skipped test into a failure under ``REQUIRE_SERVICES=1``.

    Not only the skips of :func:`missing`: a skip of any cause would let a
    green CI run hide a part that never ran.
    """
    if report.skipped and services_required() and not hasattr(report, "wasxfail"):
        reason = report.longrepr
        if isinstance(reason, tuple):
            reason = reason[2]
        report.outcome = "failed"
        report.longrepr = f"skipped, but REQUIRE_SERVICES=1 allows no skip: {reason}"
    return report


def find_binary(name: str, install: str) -> str:
    """The path of ``name``, or skip saying how to install it."""
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        missing(f"{name} not found; install it with: {install}")
    return path


def redis_server(workdir: Path) -> ServerProcess:
    """A throwaway Redis on a free port, persisting nothing."""
    binary = find_binary("redis-server", "sudo apt-get install redis-server")
    port = free_port()
    command = [
        binary,
        "--port", str(port),
        "--bind", LOCALHOST,
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
    ]  # fmt: skip
    return ServerProcess(command, port=port, ready=lambda: _redis_pong(port))


def _redis_pong(port: int) -> bool:
    # Redis accepts connections while it is still loading; PING says it serves.
    with socket.create_connection((LOCALHOST, port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


NGINX_MODULES = Path("/usr/lib/nginx/modules")

NGINX_CONF = """\
# Single process in the foreground: the suite owns its lifetime.
daemon off;
master_process off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
{modules}
events {{ worker_connections 256; }}

http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{http}
    server {{
        listen {host}:{port};
{server}
    }}
}}
"""


def nginx_with_lua() -> str:
    """nginx's binary, once it and its Lua module are known to be installed."""
    binary = find_binary("nginx", "sudo apt-get install nginx")
    if not (NGINX_MODULES / "ngx_http_lua_module.so").exists():
        missing(
            "nginx's Lua module not found; install it with: "
            "sudo apt-get install libnginx-mod-http-lua"
        )
    return binary


def proxy_to(url: str, forwarded_for: str = "$remote_addr") -> str:
    """An nginx ``location /`` passing every request to ``url``, with
    ``X-Forwarded-For`` set to ``forwarded_for`` (an nginx variable)."""
    return f"""
        location / {{
            proxy_pass {url};
            proxy_set_header X-Forwarded-For {forwarded_for};
        }}
    """


def nginx_server(
    workdir: Path,
    server: str,
    http: str = "",
    lua: bool = False,
    modules: dict[str, str] | None = None,
):
    """nginx on a free port, configured with ``server`` block directives.

    ``http`` adds directives at the http level (upstreams, shared dicts);
    ``lua`` loads Debian's Lua module (package libnginx-mod-http-lua);
    ``modules`` loads more, file name -> Debian package, e.g.
    ``{"ngx_http_modsecurity_module.so": "libnginx-mod-http-modsecurity"}``.
    """
    binary = find_binary("nginx", "sudo apt-get install nginx")
    modules_conf = ""
    if lua:
        lua_module = NGINX_MODULES / "ngx_http_lua_module.so"
        if not lua_module.exists():
            missing(
                "nginx's Lua module not found; install it with: "
                "sudo apt-get install libnginx-mod-http-lua"
            )
        # The Lua module is built on the Nginx Development Kit: load it first.
        modules_conf = (
            f"load_module {NGINX_MODULES / 'ndk_http_module.so'};\n"
            f"load_module {lua_module};\n"
        )
    for name, package in (modules or {}).items():
        module = NGINX_MODULES / name
        if not module.exists():
            missing(
                f"nginx module {name} not found; install it with: "
                f"sudo apt-get install {package}"
            )
        modules_conf += f"load_module {module};\n"
    port = free_port()
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            workdir=workdir,
            modules=modules_conf,
            host=LOCALHOST,
            port=port,
            http=_indent(http, 4),
            server=_indent(server, 8),
        )
    )
    return ServerProcess([binary, "-p", str(workdir), "-c", str(conf)], port=port)


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line if line else line for line in text.splitlines())
