"""Book: chapter 8, "Building a ReactJS dashboard": the page in Chromium.

The dashboard, the fake Strava and stand-ins of TokenDealer and the data
service each serve on a port of their own (``dash_live``): the page is on
one origin and calls the data service on another, as in production, so
CORS, the runner token and the Content-Security-Policy all take part.
Every test logs in the real way, through the fake Strava's page.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from testkit.browser import chromium_page

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def page() -> Page:
    with chromium_page() as page:
        yield page


@pytest.fixture
def live(dash_live):
    """Runner 1 (the first to log in) has three runs over two months."""
    dash_live.state.add_run(1, "2026-10-04T08:00:00Z", 42195.0, 12600)
    dash_live.state.add_run(1, "2026-11-20T07:00:00Z", 10000.0, 3000)
    dash_live.state.add_run(1, "2026-11-22T07:00:00Z", 11500.0, 3600)
    return dash_live


def log_in(page: Page, live) -> None:
    page.goto(f"{live.url}/")
    page.get_by_role("link", name="Log in with Strava").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live.strava_url}/oauth/")))
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(f"{live.url}/")
    expect(page.get_by_text("Logged in as")).to_be_visible()


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_runs_by_month_totals_and_an_accessible_chart(page, live):
    console = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live)
    table = page.get_by_role("table", name="Runs by month")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)  # head, two months, totals
    expect(rows.nth(1)).to_have_text(
        re.compile(r"November 2026\s*2\s*21\.5 km\s*1 h 50 min")
    )
    expect(rows.nth(2)).to_have_text(
        re.compile(r"October 2026\s*1\s*42\.2 km\s*3 h 30 min")
    )
    expect(rows.nth(3)).to_have_text(re.compile(r"Total\s*3\s*63\.7 km\s*5 h 20 min"))

    # The chart says what it shows in words, and every bar has its value.
    chart = page.get_by_role("img", name="Distance per month")
    expect(chart).to_have_accessible_description(
        "October 2026: 42.2 km; November 2026: 21.5 km"
    )
    expect(chart.locator("text.value")).to_have_text(["42.2", "21.5"])
    expect(chart.locator("text.label")).to_have_text(["Oct 2026", "Nov 2026"])

    # A month's runs, on demand, from the data service.
    month = page.get_by_role("button", name="November 2026")
    expect(month).to_have_attribute("aria-expanded", "false")
    month.click()
    expect(month).to_have_attribute("aria-expanded", "true")
    runs = page.get_by_role("list", name="Runs of November 2026").get_by_role(
        "listitem"
    )
    expect(runs).to_have_text(
        [re.compile(r"^22 Nov: .*11\.5 km"), re.compile("^20 Nov")]
    )

    # The browser read all this itself, with the runner token (CORS).
    calls = live.state.calls
    assert ("GET", "/users/1/months", "runner") in calls
    assert ("GET", "/users/1/runs?year=2026&month=11", "runner") in calls
    # Nothing the page needs was blocked by its own policy.
    assert not [text for text in console if "Content Security Policy" in text]


def test_data_service_down_shows_an_error_and_retry_recovers(page, live):
    log_in(page, live)
    expect(page.get_by_role("table", name="Runs by month")).to_be_visible()

    live.stop_data()
    page.reload()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The data service is not answering")
    retry = page.get_by_role("button", name="Retry")
    retry.click()  # still down: the same message, still a way out
    expect(alert).to_contain_text("The data service is not answering")

    live.start_data()
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("table", name="Runs by month")).to_be_visible()


def test_sync_from_the_keyboard_shows_progress(page, live):
    # Short-lived runner tokens: polling must renew them as it goes.
    live.state.runner_token_lifetime = 2
    log_in(page, live)
    sync = page.get_by_role("button", name="Sync with Strava")
    expect(sync).to_be_visible()
    for _ in range(10):  # Tab through the page until the button has focus
        page.keyboard.press("Tab")
        if sync.evaluate("button => button === document.activeElement"):
            break
    expect(sync).to_be_focused()
    page.keyboard.press("Enter")

    status = page.locator("#sync-status")
    expect(status).to_have_text("Sync queued: waiting for the Strava worker…")
    assert live.state.sync[1]["state"] == "queued"

    # What the worker would do: running, a new run, done.
    live.state.sync[1] = {"state": "running", "imported": 0, "message": None}
    expect(status).to_have_text("Syncing: 0 runs imported so far…")
    expect(page.get_by_role("progressbar", name="Sync in progress")).to_be_visible()
    wait_until(lambda: live.state.runner_tokens_issued >= 3)
    live.state.add_run(1, "2026-11-24T07:00:00Z", 5000.0, 1500)
    live.state.sync[1] = {"state": "done", "imported": 1, "message": None}
    expect(status).to_have_text("Sync done: 1 run imported.")
    total = page.get_by_role("table", name="Runs by month").get_by_role("row").last
    expect(total).to_have_text(re.compile(r"Total\s*4\s*68\.7 km\s*5 h 45 min"))
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_stuck_sync_says_so_and_lets_the_runner_sync_again(page, live, tmp_path):
    # Its worker was killed mid-sync: "running", and no news after that.
    live.dashboard.config["SYNC_STALE_AFTER"] = 2
    log_in(page, live)
    status = page.locator("#sync-status")
    page.get_by_role("button", name="Sync with Strava").click()
    expect(status).to_have_text("Sync queued: waiting for the Strava worker…")
    live.state.sync[1] = {
        "state": "running",
        "imported": 12,
        "message": None,
        "updated_at": "2026-11-25T12:00:05Z",
    }
    busy = page.get_by_role("button", name="Syncing…")
    expect(busy).to_have_attribute("aria-disabled", "true")

    expect(status).to_have_text(
        "The sync seems stuck: no news from the Strava worker for 2 s, "
        "12 runs imported so far. Sync again to retry."
    )
    expect(page.get_by_role("progressbar")).to_have_count(0)
    again = page.get_by_role("button", name="Sync with Strava")
    expect(again).to_have_attribute("aria-disabled", "false")
    again.click()
    expect(status).to_have_text("Sync queued: waiting for the Strava worker…")
    # Queued twice: the first sync's message and the retry's, in the folder.
    assert len(list((tmp_path / "q").glob("*.msg"))) == 2

    # A worker takes it: the page follows it to the end.
    live.state.sync[1] = {"state": "done", "imported": 30, "message": None}
    expect(status).to_have_text("Sync done: 30 runs imported.")


def test_log_out(page, live):
    log_in(page, live)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in with Strava")).to_be_visible()
    answer = page.request.get(f"{live.url}/api/token")
    assert answer.status == 401
