"""Book: chapter 7, "Web application firewall": nginx in front of a service.

Four ways to put nginx in front of a Runnerly service, each an ``http``
part (zones, shared dicts, modules' settings) and a ``server`` part
(locations), from one :class:`Limits`:

- :func:`plain`: nginx only passes requests on (the benchmark's baseline);
- :func:`lua_waf`: our Lua module, ``waf/runnerly_waf.lua``: rate and
  concurrency limits per client address, and rules (user agent, body size,
  paths), every refusal in JSON;
- :func:`nginx_limits`: the same limits with nginx's own ``limit_req`` and
  ``limit_conn``;
- :func:`modsecurity`: ModSecurity with the OWASP Core Rule Set.

    >>> limits = Limits(per_minute=600, burst=5, concurrency=10)
    >>> print(nginx_limits("http://127.0.0.1:5000", limits)[0])
    upstream service {
        server 127.0.0.1:5000;
        keepalive 16;
    }
    limit_req_zone $binary_remote_addr zone=per_address:10m rate=600r/m;
    limit_conn_zone $binary_remote_addr zone=in_flight:10m;
    >>> print(lua_waf("http://127.0.0.1:5000", limits)[0].splitlines()[-1][:61])
    init_by_lua_block { require("runnerly_waf").setup{rate = 10.0

``python -m chapter07.waf_nginx lua|limits|modsecurity|plain UPSTREAM``
runs nginx in the foreground on ``$PORT`` (5000) in front of ``UPSTREAM``
(``--per-minute``, ``--burst``, ``--concurrency`` set the limits).
"""

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WAF = Path(__file__).resolve().parent / "waf"
MODULES = Path("/usr/lib/nginx/modules")
LUA_MODULES = ("ndk_http_module.so", "ngx_http_lua_module.so")
MODSECURITY_MODULES = ("ngx_http_modsecurity_module.so",)


# nginx's own refusals, in Runnerly's JSON; a `return` here is fine: these
# named locations are reached after the limits and rules have decided.
def too_many(limits: "Limits") -> str:
    """nginx cannot compute when to retry: the time one request takes to leak
    out of the bucket, the least a refused client must wait."""
    retry_after = max(math.ceil(60 / limits.per_minute), 1)
    return f"""\
location @too_many {{
    default_type application/json;
    add_header Retry-After {retry_after} always;
    return 429 '{{"status": 429, "message": "Too many requests."}}';
}}"""


BLOCKED = """\
location @blocked {
    default_type application/json;
    return 403 '{"status": 403, "message": "Forbidden."}';
}
location @unreadable {
    default_type application/json;
    return 400 '{"status": 400, "message": "Request body not understood."}';
}"""
TOO_LARGE = """\
location @too_large {
    default_type application/json;
    return 413 '{"status": 413, "message": "Request body too large."}';
}"""


@dataclass(frozen=True)
class Limits:
    """Per client address: ``per_minute`` requests, ``burst`` more served at
    once, ``concurrency`` in flight. Per minute, as nginx's ``rate`` takes
    whole numbers (``r/s`` or ``r/m``)."""

    per_minute: int = 600
    burst: int = 5
    concurrency: int = 10


def proxy(extra: str = "") -> str:
    """The location that passes everything on (never a ``return``: a
    location answered by nginx skips the limits, Lua and ModSecurity)."""
    lines = [extra] if extra else []
    lines += [
        "proxy_pass http://service;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        # Keep-alive to the service, not a new connection per request.
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
    ]
    body = "\n".join("    " + line for part in lines for line in part.splitlines())
    return f"location / {{\n{body}\n}}"


def service(upstream: str) -> str:
    """The ``upstream`` block naming the service: ``http://host:port``."""
    address = urlsplit(upstream).netloc
    return f"upstream service {{\n    server {address};\n    keepalive 16;\n}}"


def plain(upstream: str, limits: Limits | None = None) -> tuple[str, str]:
    return service(upstream), proxy()


def lua_waf(upstream: str, limits: Limits) -> tuple[str, str]:
    setup = (
        f"rate = {limits.per_minute / 60}, burst = {limits.burst}, "
        f"concurrency = {limits.concurrency}"
    )
    http = f"""\
{service(upstream)}
lua_package_path "{WAF}/?.lua;;";
lua_shared_dict waf_limits 10m;
init_by_lua_block {{ require("runnerly_waf").setup{{{setup}}} }}"""
    # The log phase runs in the location that ends the request: one that
    # error_page sent it to as well, so leave() is set for the whole server.
    leave = 'log_by_lua_block { require("runnerly_waf").leave() }'
    server = proxy(
        'access_by_lua_block { require("runnerly_waf").access() }\n'
        # A chunked body over client_max_body_size: nginx's 413, in JSON.
        "error_page 413 = @too_large;",
    )
    return http, f"{leave}\n{server}\n{TOO_LARGE}"


def nginx_limits(upstream: str, limits: Limits) -> tuple[str, str]:
    http = (
        f"{service(upstream)}\n"
        "limit_req_zone $binary_remote_addr zone=per_address:10m "
        f"rate={limits.per_minute}r/m;\n"
        "limit_conn_zone $binary_remote_addr zone=in_flight:10m;"
    )
    # nginx refuses burst=0: no burst is no burst= at all.
    burst = f" burst={limits.burst} nodelay" if limits.burst else ""
    server = proxy(
        f"""\
limit_req zone=per_address{burst};
limit_req_status 429;
limit_conn in_flight {limits.concurrency};
limit_conn_status 429;
error_page 429 = @too_many;""",
    )
    return http, server + "\n" + too_many(limits)


# The CRS's rules for software Runnerly does not run, by rule id: attacks on
# PHP, Node.js and Java, what PHP, Java and IIS leak in their answers, and
# the exclusions of six web applications. Each rule costs every request its
# evaluation, whatever it finds: the README has the figures.
OTHER_SOFTWARE = (
    "933000-933999",  # PHP injection
    "934000-934999",  # Node.js injection
    "944000-944999",  # Java injection
    "952000-952999",  # Java errors in answers
    "953000-953999",  # PHP errors in answers
    "954000-954999",  # IIS errors in answers
    "9001000-9006999",  # exclusions for Drupal, WordPress, Nextcloud...
)
# Rules for what this set-up does not use, evaluated all the same.
NOT_SET_UP = (
    "910000-910999",  # IP reputation: needs a GeoIP database or block lists
    "912000-912999",  # DoS protection: off unless set up (nginx limits do it)
    "980000-980999",  # correlation: a summary line in the log, once answered
)


def modsecurity(
    upstream: str,
    limits: Limits | None = None,
    paranoia: int = 2,
    without: tuple[str, ...] = (),
) -> tuple[str, str]:
    """``paranoia``: the Core Rule Set's paranoia level. 2, not the CRS's
    default 1: level 2 adds rules (template injection, shell backticks)
    that refuse none of Runnerly's own requests; the README has the
    figures. ``without``: rule ids (``"933000-933999"``) turned off, such
    as :data:`OTHER_SOFTWARE` and :data:`NOT_SET_UP`."""
    # Before the rules: the CRS reads the level when it starts (rule 901120).
    level = (
        f'SecAction "id:900000,phase:1,nolog,pass,t:none,'
        f'setvar:tx.paranoia_level={paranoia}"'
    )
    http = (
        f"{service(upstream)}\nmodsecurity on;\nmodsecurity_rules '{level}';\n"
        f"modsecurity_rules_file {WAF / 'modsecurity.conf'};"
    )
    if without:
        http += f"\nmodsecurity_rules 'SecRuleRemoveById {' '.join(without)}';"
    refusals = "error_page 403 = @blocked;\nerror_page 400 = @unreadable;\n"
    refusals += "error_page 413 = @too_large;"
    return http, proxy(refusals) + "\n" + BLOCKED + "\n" + TOO_LARGE


SETUPS = {
    "plain": (plain, ()),
    "lua": (lua_waf, LUA_MODULES),
    "limits": (nginx_limits, ()),
    "modsecurity": (modsecurity, MODSECURITY_MODULES),
}

NGINX_CONF = """\
daemon off;
master_process off;
pid {workdir}/nginx.pid;
error_log stderr warn;
{modules}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{http}
    server {{
        listen 127.0.0.1:{port};
{server}
    }}
}}
"""


def nginx_conf(
    setup: str, upstream: str, port: int, workdir: str, limits=Limits(), **options
):
    """A whole nginx.conf: one process in the foreground, files in ``workdir``
    (``options``: for the set-up, e.g. ``paranoia=1`` for ModSecurity)."""
    make, modules = SETUPS[setup]
    http, server = make(upstream, limits, **options)
    return NGINX_CONF.format(
        workdir=workdir,
        modules="\n".join(f"load_module {MODULES / name};" for name in modules),
        http=_indent(http, 4),
        server=_indent(server, 8),
        port=port,
    )


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line if line else line for line in text.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m chapter07.waf_nginx",
        description="nginx in the foreground on $PORT, in front of UPSTREAM.",
    )
    parser.add_argument("setup", choices=SETUPS)
    parser.add_argument("upstream", help="the service: http://127.0.0.1:5073")
    defaults = Limits()
    parser.add_argument("--per-minute", type=int, default=defaults.per_minute)
    parser.add_argument("--burst", type=int, default=defaults.burst)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    args = parser.parse_args()
    limits = Limits(args.per_minute, args.burst, args.concurrency)
    port = int(os.environ.get("PORT", 5000))
    nginx = shutil.which("nginx", path=os.environ["PATH"] + ":/usr/sbin:/sbin")
    if nginx is None:
        sys.exit("nginx not found: sudo apt-get install nginx")
    with tempfile.TemporaryDirectory(prefix="waf-nginx-") as workdir:
        conf = Path(workdir) / "nginx.conf"
        conf.write_text(nginx_conf(args.setup, args.upstream, port, workdir, limits))
        print(f"nginx ({args.setup}) on http://127.0.0.1:{port}", flush=True)
        # SIGTERM (the tests, a service manager) ends us as Ctrl-C does: nginx
        # gets it too (same process group) and the folder is removed.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        process = subprocess.Popen([nginx, "-p", workdir, "-c", str(conf)])
        try:
            process.wait()
        except KeyboardInterrupt:
            pass  # Ctrl-C: a normal way to stop; nginx got it too
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
