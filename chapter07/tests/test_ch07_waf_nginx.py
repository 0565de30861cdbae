"""The nginx configurations of waf_nginx.py, as nginx itself reads them."""

import subprocess

import pytest

from chapter07.waf_nginx import (
    NOT_SET_UP,
    OTHER_SOFTWARE,
    SETUPS,
    Limits,
    lua_waf,
    modsecurity,
    nginx_conf,
    nginx_limits,
)
from testkit.services import NGINX_MODULES, find_binary, missing

# Each set-up, and ModSecurity as the benchmark also runs it.
VARIANTS = {
    **{setup: (setup, {}) for setup in SETUPS},
    "modsecurity, level 1": ("modsecurity", {"paranoia": 1}),
    "modsecurity, trimmed": ("modsecurity", {"without": OTHER_SOFTWARE + NOT_SET_UP}),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_nginx_accepts_the_whole_configuration(variant, tmp_path):
    # What `python -m chapter07.waf_nginx` runs: checked with `nginx -t`,
    # which reads it (modules and rules included) and starts nothing.
    setup, options = VARIANTS[variant]
    nginx = find_binary("nginx", "sudo apt-get install nginx")
    for module in SETUPS[setup][1]:
        if not (NGINX_MODULES / module).exists():
            missing(f"nginx module {module} not found")
    conf = tmp_path / "nginx.conf"
    upstream = "http://127.0.0.1:5073"
    conf.write_text(
        nginx_conf(setup, upstream, 5074, str(tmp_path), Limits(), **options)
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_limits_are_the_same_numbers_in_both():
    limits = Limits(per_minute=90, burst=3, concurrency=7)
    lua_http, _ = lua_waf("http://127.0.0.1:5073", limits)
    nginx_http, nginx_server = nginx_limits("http://127.0.0.1:5073", limits)
    assert "setup{rate = 1.5, burst = 3, concurrency = 7}" in lua_http
    assert "rate=90r/m;" in nginx_http
    assert "limit_req zone=per_address burst=3 nodelay;" in nginx_server
    assert "limit_conn in_flight 7;" in nginx_server
    # One request leaks out in 60/90 s: at least a second to wait.
    assert "add_header Retry-After 1 always;" in nginx_server


def test_nginx_refuses_burst_0_so_none_is_written():
    _, server = nginx_limits("http://127.0.0.1:5073", Limits(per_minute=1, burst=0))
    assert "limit_req zone=per_address;" in server
    assert "add_header Retry-After 60 always;" in server


def test_rules_are_turned_off_by_id_after_the_rule_set():
    http, _ = modsecurity("http://127.0.0.1:5073", without=("933000-933999",))
    assert http.endswith("modsecurity_rules 'SecRuleRemoveById 933000-933999';")
    assert "SecRuleRemoveById" not in modsecurity("http://127.0.0.1:5073")[0]
