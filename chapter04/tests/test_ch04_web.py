"""The monolith's web UI through WebTest: real forms, CSRF tokens, redirects.

Logging in and out (views/account.py), the home page (views/home.py), the
admin's users (views/users.py), the Strava connection (views/strava.py).
"""

from sqlalchemy import func, select

from chapter04.monolith.models import Run, User, db
from chapter04.tests.helpers import ADMIN, RUNNER, connect_strava, login, runs_of


def test_login_page_has_a_csrf_token(testapp):
    form = testapp.get("/login").forms["login"]
    assert form["csrf_token"].value


def test_anonymous_users_are_sent_to_login(testapp):
    response = testapp.get("/", status=302)
    assert "/login" in response.location


def test_login_with_good_password(testapp):
    home = login(testapp, *RUNNER).follow()
    assert "My runs" in home
    assert RUNNER[0] in home
    assert "Connect with Strava" in home


def test_login_with_bad_password(testapp):
    page = login(testapp, RUNNER[0], "not-the-password")
    assert page.status_int == 200
    assert "Wrong email or password." in page
    testapp.get("/", status=302)  # still anonymous


def test_login_with_bad_email_shows_message(testapp):
    page = login(testapp, "not-an-email", "whatever")
    assert "Invalid email address." in page


def test_post_without_csrf_token_is_refused(testapp):
    testapp.post("/login", {"email": RUNNER[0], "password": RUNNER[1]}, status=400)


def test_logout(testapp):
    home = login(testapp, *RUNNER).follow()
    page = home.forms["logout"].submit().follow()
    assert "You are logged out." in page
    testapp.get("/", status=302)


def test_logout_without_token_keeps_you_logged_in(testapp, app):
    login(testapp, *RUNNER)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # let the POST reach the view
    testapp.post("/logout", status=302)
    testapp.get("/", status=200)


def test_admin_lists_and_creates_users(testapp, app):
    login(testapp, *ADMIN)
    assert RUNNER[0] in testapp.get("/users/")
    form = testapp.get("/users/").click("Create a user").forms["create-user"]
    form["email"] = "new@example.com"
    form["firstname"] = "Ada"
    form["password"] = form["confirm"] = "long-enough"
    form["age"] = "36"
    form["max_hr"] = "185"
    page = form.submit().follow()
    assert "User new@example.com created." in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert (user.firstname, user.age, user.max_hr, user.weight) == (
            "Ada",
            36,
            185,
            None,
        )
        assert user.check_password("long-enough")
        assert not user.is_admin
    # The new user can log in.
    testapp.reset()
    assert "My runs" in login(testapp, "new@example.com", "long-enough").follow()


def test_bad_input_gives_the_form_back_with_messages(testapp):
    login(testapp, *ADMIN)
    form = testapp.get("/users/create").forms["create-user"]
    form["email"] = "not an email"
    form["password"] = "short"
    form["confirm"] = "other"
    form["age"] = "two hundred"
    page = form.submit(status=200)
    assert "Invalid email address." in page
    assert "Field must be between 8 and 128 characters long." in page
    assert "Passwords must match." in page
    assert "Not a valid integer value." in page


def test_duplicate_email_is_refused(testapp):
    login(testapp, *ADMIN)
    form = testapp.get("/users/create").forms["create-user"]
    form["email"] = RUNNER[0]
    form["password"] = form["confirm"] = "long-enough"
    page = form.submit(status=200)
    assert "A user with this email exists already." in page


def test_non_admins_get_403(testapp):
    login(testapp, *RUNNER)
    testapp.get("/users/", status=403)
    testapp.get("/users/create", status=403)


def test_anonymous_admin_pages_go_to_login(testapp):
    assert "/login" in testapp.get("/users/", status=302).location


def test_connect_fetch_and_see_runs_with_monthly_totals(testapp, app, strava):
    login(testapp, *RUNNER)
    home = connect_strava(testapp, strava)
    assert "Connected to Strava." in home
    athlete = strava.fake.athlete_ids()[0]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == RUNNER[0]))
        assert user.strava_athlete_id == athlete
        assert user.strava_connected

    home = home.forms["fetch"].submit().follow()
    expected = runs_of(strava.fake, athlete)
    assert f"{len(expected)} new runs imported." in home
    runs_table = home.html.find(id="runs")
    assert len(runs_table.find_all("tr")) == len(expected) + 1  # + header
    assert expected[0]["name"] in runs_table.text
    # Monthly totals: one row per month, adding up to every run.
    rows = home.html.find(id="totals").find_all("tr")[1:]
    assert sum(int(row.find_all("td")[1].text) for row in rows) == len(expected)
    newest_month = expected[0]["start_date"][:7]
    assert rows[0].find("td").text == newest_month

    # Fetch again: nothing new.
    assert "0 new runs imported." in home.forms["fetch"].submit().follow()


def test_callback_with_wrong_state_is_refused(testapp):
    login(testapp, *RUNNER)
    testapp.get("/strava/connect")
    testapp.get("/strava/callback?state=forged&code=x", status=400)


def test_callback_when_the_user_cancels(testapp):
    login(testapp, *RUNNER)
    response = testapp.get("/strava/connect")
    state = response.location.split("state=")[1].split("&")[0]
    page = testapp.get(f"/strava/callback?state={state}&error=access_denied").follow()
    assert "Strava access not granted (access_denied)." in page


def test_callback_without_the_activity_scope(testapp, strava):
    login(testapp, *RUNNER)
    response = testapp.get("/strava/connect")
    state = response.location.split("state=")[1].split("&")[0]
    callback = strava.fake.authorize("http://localhost/strava/callback", "read", state)
    page = testapp.get(callback.removeprefix("http://localhost")).follow()
    assert "Runnerly needs to read your activities" in page
    assert "Connect with Strava" in page


def test_callback_with_a_bad_code(testapp):
    login(testapp, *RUNNER)
    response = testapp.get("/strava/connect")
    state = response.location.split("state=")[1].split("&")[0]
    scope = "read,activity:read_all"
    page = testapp.get(
        f"/strava/callback?state={state}&code=used-up&scope={scope}"
    ).follow()
    assert "Strava refused the connection" in page


def test_fetch_when_strava_rate_limits(testapp, app, strava):
    login(testapp, *RUNNER)
    home = connect_strava(testapp, strava)
    app.config["CELERY_MAX_RETRIES"] = 0
    strava.fake.rate_limit = (0, 0)
    page = home.forms["fetch"].submit().follow()
    assert "Strava is busy (rate limit): try again later." in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Run.id))) == 0


def test_fetch_without_token_is_refused(testapp, app):
    login(testapp, *RUNNER)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    testapp.post("/strava/fetch", status=400)
