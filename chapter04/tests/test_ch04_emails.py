"""Which e-mail addresses Runnerly takes: one rule everywhere (monolith/emails.py).

The data service and the monolith's forms take any address whose syntax is
right, special-use domains included (nothing is mailed), in its normal form,
so a user the data service creates can log in to the monolith. Anything else
is refused with the reason: a JSON 400 from the data service, the form again
from the monolith.
"""

import re

import pytest
import webtest
from email_validator import EmailNotValidError

from chapter04 import dataservice
from chapter04.monolith import app as monolith
from chapter04.monolith.emails import normalize_email
from chapter04.tests.helpers import ADMIN, add_users, login
from testkit.databases import close_database

# RFC 6761 and others: reserved, never globally deliverable, yet addresses.
SPECIAL_USE = [
    "ada@runner.local",
    "x@example.invalid",
    "bob@runnerly.test",
    "root@localhost",
    "tor@hidden.onion",
    "ptr@1.0.0.127.in-addr.arpa",
]
MALFORMED = [
    ("nope", "An email address must have an @-sign."),
    ("ada@", "There must be something after the @-sign."),
    ("@runner.local", "There must be something before the @-sign."),
    ("ada@runner..local", "An email address cannot have two periods in a row."),
    ("ada@runner.local.", "An email address cannot end with a period."),
    ("ada smith@runner.local", "invalid characters before the @-sign: SPACE."),
    # The length limits hold for special-use domains too (253 after the @).
    ("a@" + ("b" * 62 + ".") * 4 + "local", "is too long after the @-sign"),
]


@pytest.mark.parametrize("address", SPECIAL_USE)
def test_special_use_domains_are_addresses(address):
    assert normalize_email(address) == address
    local, domain = address.split("@")
    # The domain in lower case; the local part is the mailbox's business.
    assert normalize_email(f"{local.upper()}@{domain.upper()}") == (
        f"{local.upper()}@{domain}"
    )


@pytest.mark.parametrize(("address", "reason"), MALFORMED)
def test_malformed_addresses_are_refused_with_the_reason(address, reason):
    with pytest.raises(EmailNotValidError, match=re.escape(reason)):
        normalize_email(address)


@pytest.fixture
def data_client():
    """The data service, without test_ch04_dataservice.py's contract check:
    ``format: email`` as openapi-core checks it is only "has an @"."""
    app = dataservice.create_app("testing")
    yield app.test_client()
    close_database(app)


@pytest.mark.parametrize(("address", "reason"), MALFORMED)
def test_the_data_service_refuses_them_with_a_json_400(data_client, address, reason):
    response = data_client.post("/users", json={"email": address})
    assert response.status_code == 400
    assert response.json["status"] == 400
    if len(address) > 254:  # the spec's maxLength refuses it first
        reason = "$.email: must be at most 254 characters long"
        assert response.json["message"] == reason
    else:
        assert response.json["message"].startswith("Invalid email: ")
        assert reason in response.json["message"]


@pytest.fixture
def shared_database(tmp_path):
    """The monolith and the data service on one SQLite file, as after the split."""
    uri = f"sqlite:///{tmp_path / 'runnerly.db'}"
    web = monolith.create_app("testing", SQLALCHEMY_DATABASE_URI=uri)
    data = dataservice.create_app("testing", SQLALCHEMY_DATABASE_URI=uri)
    add_users(web)
    yield webtest.TestApp(web), data.test_client()
    close_database(web)
    close_database(data)


def test_a_user_the_data_service_creates_logs_in(shared_database):
    browser, data_client = shared_database
    created = data_client.post(
        "/users", json={"email": "Ada@Runner.LOCAL", "password": "ada-password"}
    )
    assert created.status_code == 201, created.json
    assert created.json["email"] == "Ada@runner.local"
    # Typed as the user likes: the form normalizes it the same way.
    home = login(browser, "Ada@RUNNER.local", "ada-password").follow()
    assert "My runs" in home
    assert "Ada@runner.local" in home


def test_the_admin_form_takes_them_too(shared_database):
    browser, data_client = shared_database
    login(browser, *ADMIN)
    form = browser.get("/users/create").forms["create-user"]
    form["email"] = "x@Example.INVALID"
    form["password"] = form["confirm"] = "long-enough"
    page = form.submit().follow()
    assert "User x@example.invalid created." in page
    # The data service sees the same user, in the same form.
    emails = [user["email"] for user in data_client.get("/users").json]
    assert "x@example.invalid" in emails
    # And the same address in another case is the same user.
    form = browser.get("/users/create").forms["create-user"]
    form["email"] = "x@EXAMPLE.invalid"
    form["password"] = form["confirm"] = "long-enough"
    assert "A user with this email exists already." in form.submit(status=200)
