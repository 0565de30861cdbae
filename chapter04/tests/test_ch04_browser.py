"""Runnerly in a real browser, as a new user tries it (book: chapter 4).

``python -m chapter04.monolith`` runs as a process, exactly the command of
the README, and headless Chromium clicks through it: log in, connect to
(fake) Strava on its own origin, fetch the runs, read the dashboard, log out.
Where WebTest (test_ch04_web.py) checks the views, this checks what only a
browser does: following redirects across two origins, posting the forms the
pages really render, keeping the session cookie. The README runs the same
command and checks its login page with curl.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from testkit.browser import chromium_page
from testkit.servers import python_command

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

EMAIL = "admin@example.com"
PASSWORD = "browser-test-password"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser_page() -> Page:
    """A page in a new headless Chromium, closed after the test."""
    with chromium_page() as page:
        yield page


@pytest.fixture
def runnerly(server_process):
    """The monolith, started the README's way, with a known admin password."""
    return server_process(
        python_command("-m", "chapter04.monolith"),
        env={"RUNNERLY_ADMIN_PASSWORD": PASSWORD},
    )


def strava_url(runnerly) -> str:
    # The fake Strava listens on a port of its own, printed at start-up.
    return re.search(r"Fake Strava on (\S+)/", runnerly.output())[1]


def log_in(page: Page, password: str) -> None:
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def connect_to_strava(page: Page, runnerly) -> None:
    """From the dashboard to the fake Strava's authorize page."""
    page.get_by_role("link", name="Connect with Strava").click()
    expect(page).to_have_url(re.compile(re.escape(f"{strava_url(runnerly)}/oauth/")))
    expect(page.get_by_role("heading", name=re.compile("^Authorize"))).to_be_visible()


def test_new_user_connects_strava_and_sees_runs(browser_page, runnerly, tmp_path):
    """One story, one Runnerly and one Chromium: each costs seconds to start."""
    # What the command prints: where it serves, and who can log in.
    output = runnerly.output()
    assert f"Runnerly on {runnerly.url}/" in output
    assert f"Log in as {EMAIL} with password {PASSWORD}" in output

    page = browser_page
    # Every page needs a login: the home page sends us to the login form.
    page.goto(f"{runnerly.url}/")
    expect(page).to_have_url(f"{runnerly.url}/login?next=%2F")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    log_in(page, "not-the-password")
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"{runnerly.url}/login")))

    log_in(page, PASSWORD)
    expect(page).to_have_url(f"{runnerly.url}/")
    expect(page.get_by_role("heading", name="My runs")).to_be_visible()
    expect(page.get_by_text("No runs yet.")).to_be_visible()

    # The user first thinks better of it on Strava's page...
    connect_to_strava(page, runnerly)
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(f"{runnerly.url}/")
    expect(page.locator(".flash")).to_have_text(
        "Strava access not granted (access_denied)."
    )
    assert "Runnerly" in page.title()
    # ...nothing broke, still not connected: they try again and authorize.
    expect(page.get_by_role("link", name="Connect with Strava")).to_be_visible()
    connect_to_strava(page, runnerly)
    # The fake has no login: the user says which athlete they are.
    page.get_by_label("Athlete").select_option(index=1)
    page.get_by_role("button", name="Authorize").click()
    # Strava redirects to Runnerly's callback, which redirects home.
    expect(page).to_have_url(f"{runnerly.url}/")
    expect(page.locator(".flash")).to_have_text("Connected to Strava.")

    page.get_by_role("button", name="Fetch my runs now").click()
    flash = page.locator(".flash").filter(has_text="new runs imported")
    expect(flash).to_be_visible()
    imported = int(re.fullmatch(r"(\d+) new runs imported\.", flash.inner_text())[1])
    assert imported > 0

    # The dashboard: one row per run (under a header row), and monthly totals
    # whose "Runs" column adds up to the same number.
    runs = page.locator("#runs tr")
    expect(runs).to_have_count(imported + 1)
    months = page.locator("#totals tr").all()[1:]
    assert months, "no month in the totals"
    counts = [int(month.locator("td").nth(1).inner_text()) for month in months]
    assert sum(counts) == imported
    assert re.fullmatch(r"\d{4}-\d{2}", months[0].locator("td").first.inner_text())

    screenshot = tmp_path / "runnerly.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
    assert screenshot.stat().st_size > len(PNG_SIGNATURE)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{runnerly.url}/login")
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    # Logged out for real: the dashboard asks for a login again.
    page.goto(f"{runnerly.url}/")
    expect(page).to_have_url(f"{runnerly.url}/login?next=%2F")
