"""Book: chapter 8, "Getting the Strava token": logging in with Strava.

Flask's test client is the browser; the fake Strava, and stand-ins of
TokenDealer and the data service, answer the dashboard's server in-process
(``dash_wired``), so these tests start nothing.
"""

import re
from urllib.parse import parse_qs, urlsplit

from chapter08.dashboard import create_app
from chapter08.tests.fixtures_dashboard import dash_authorize, dash_log_in


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def csrf_token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def test_logged_out_home_offers_strava_login(dash_wired):
    page = dash_wired.client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/login">Log in with Strava</a>' in page
    assert 'id="app"' not in page


def test_login_asks_strava_for_read_scopes_with_a_state(dash_wired):
    client = dash_wired.client
    answer = client.get("/login")
    assert answer.status_code == 302
    url = urlsplit(answer.headers["Location"])
    assert (url.scheme, url.netloc, url.path) == (
        "http",
        "strava.test",
        "/oauth/authorize",
    )
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["scope"] == "read,activity:read"
    assert query["response_type"] == "code"
    assert query["client_id"] == "1234"
    assert query["redirect_uri"] == "http://localhost/authorized"
    assert query["state"] == session_of(client)["strava_state"]
    # A new state for every attempt: an old answer cannot be replayed.
    assert client.get("/login").headers["Location"] != answer.headers["Location"]


def test_login_upserts_the_runner_and_keeps_only_id_and_name(dash_wired):
    client = dash_wired.client
    answer = dash_log_in(dash_wired, client, athlete_id=2)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/")

    # The data service has the runner, and the Strava tokens.
    athlete = dash_wired.strava.extensions["fakestrava"].athlete(2)
    [user] = dash_wired.state.users.values()
    assert (user["strava_athlete_id"], user["firstname"]) == (2, athlete["firstname"])
    strava_tokens = dash_wired.state.strava_tokens[user["id"]]
    assert set(strava_tokens) == {
        "strava_access_token",
        "strava_refresh_token",
        "strava_expires_at",
    }
    # ... with the dashboard's service token, not a runner's.
    assert ("PUT", "/users/strava/2", "service") in dash_wired.state.calls

    # The session: who, nothing else; no Strava token, in clear or not.
    assert session_of(client) == {"user_id": user["id"], "name": athlete["firstname"]}
    cookie = client.get_cookie("session").value
    assert strava_tokens["strava_access_token"] not in cookie
    assert "refresh" not in cookie

    page = client.get("/").get_data(as_text=True)
    assert f"Logged in as {athlete['firstname']}" in page
    assert 'id="app"' in page


def test_logging_in_again_updates_the_same_runner(dash_wired):
    dash_log_in(dash_wired, dash_wired.client, athlete_id=1)
    first = dict(dash_wired.state.strava_tokens[1])
    dash_log_in(dash_wired, dash_wired.app.test_client(), athlete_id=1)
    assert list(dash_wired.state.users) == [1]
    assert dash_wired.state.strava_tokens[1] != first  # the new tokens


def test_an_answer_with_another_state_is_refused(dash_wired):
    client = dash_wired.client
    answer = dash_log_in(dash_wired, client, state="forged")
    assert answer.status_code == 400
    assert answer.json == {
        "status": 400,
        "message": "This Strava answer does not match a login of this browser.",
    }
    assert "user_id" not in session_of(client)
    assert dash_wired.state.users == {}


def test_an_answer_without_a_login_started_here_is_refused(dash_wired):
    # A code and state from another browser's login (a CSRF on the callback).
    other = dash_wired.app.test_client()
    back = dash_authorize(dash_wired.strava, other.get("/login").headers["Location"])
    answer = dash_wired.client.get(back.removeprefix("http://localhost"))
    assert answer.status_code == 400
    assert dash_wired.state.users == {}


def test_the_state_works_once(dash_wired):
    client = dash_wired.client
    back = dash_authorize(dash_wired.strava, client.get("/login").headers["Location"])
    assert client.get(back.removeprefix("http://localhost")).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert client.get(back.removeprefix("http://localhost")).status_code == 400


def test_cancel_on_strava_logs_nobody_in(dash_wired):
    client = dash_wired.client
    answer = dash_log_in(dash_wired, client, decision="cancel")
    assert answer.status_code == 403
    assert answer.json["message"] == "Strava access was not granted (access_denied)."


def test_activities_unticked_on_strava_is_refused(dash_wired):
    client = dash_wired.client
    answer = dash_log_in(dash_wired, client, scope="read")
    assert answer.status_code == 403
    assert "needs to read your activities" in answer.json["message"]
    assert dash_wired.state.users == {}


def test_a_browser_gets_the_error_as_a_page(dash_wired):
    answer = dash_wired.client.get(
        "/authorized?state=x&code=y", headers={"Accept": "text/html"}
    )
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert "This Strava answer does not match a login of this browser." in page
    assert '<a href="/">Back to Runnerly</a>' in page


def test_data_service_down_at_login_is_a_clear_503(dash_wired):
    dash_wired.down.add("data.test")
    answer = dash_log_in(dash_wired, dash_wired.client)
    assert answer.status_code == 503
    assert answer.json == {
        "status": 503,
        "message": "The data service is not answering: try again in a moment.",
    }
    assert "user_id" not in session_of(dash_wired.client)


def test_logout_needs_the_csrf_token(dash_wired):
    client = dash_wired.client
    dash_log_in(dash_wired, client)
    answer = client.post("/logout")
    assert answer.status_code == 400
    assert answer.json["message"] == "The CSRF token is missing."
    assert "user_id" in session_of(client)

    answer = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    assert session_of(client) == {}
    assert "Log in with Strava" in client.get("/").get_data(as_text=True)


def test_logout_is_post_only(dash_wired):
    assert dash_wired.client.get("/logout").status_code == 405


def test_pages_carry_a_policy_without_inline_script(dash_wired):
    client = dash_wired.client
    dash_log_in(dash_wired, client)
    answer = client.get("/")
    policy = dict(
        directive.split(" ", 1)
        for directive in answer.headers["Content-Security-Policy"].split("; ")
    )
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self' http://data.test"
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    # Every script is a file of ours: none inline, none from elsewhere.
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script type="module" src="/static/js/main.mjs">']
    with client.get("/static/js/main.mjs") as script:
        assert script.mimetype == "text/javascript"


def test_the_browser_is_sent_to_strava_s_public_address_when_it_differs():
    """In containers the dashboard calls the fake Strava by its service name,
    which the runner's browser cannot resolve: it is sent to the public one."""
    app = create_app(
        "testing",
        STRAVA_BASE_URL="http://fakestrava:8000",
        STRAVA_PUBLIC_URL="http://127.0.0.1:8004",
    )
    login = app.test_client().get("/login")
    assert login.headers["Location"].startswith(
        "http://127.0.0.1:8004/oauth/authorize?"
    )
