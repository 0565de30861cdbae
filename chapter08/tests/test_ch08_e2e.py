"""Runnerly end to end, in Chromium (book: chapter 8, "Bringing It All Together").

The whole stack of ``python -m chapter08``, every service its own process,
and a runner in a real browser: log in through the fake Strava's page, sync,
see the runs the worker imported with the right totals, log out. Then the
data service goes down: the page says so, and comes back when it does.

The expected totals are computed here from the fake Strava's own data (the
same seed gives the same activities all day), not read from the data
service: the test checks the whole chain, Strava to worker to data service
to browser.
"""

import re

import pytest
from playwright.sync_api import Page, expect

import fakestrava
from testkit.browser import chromium_page

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

# A sync imports every run of the fake's history: well beyond a page or two.
SYNC_TIMEOUT_MS = 60_000


@pytest.fixture
def page() -> Page:
    with chromium_page() as page:
        yield page


def expected_totals() -> tuple[int, str, str]:
    """Runs, distance and moving time of the first athlete's runs, as the
    page writes them in its Total row."""
    fake = fakestrava.FakeStrava()  # python -m fakestrava's defaults
    athlete = fake.athlete_ids()[0]  # the one the authorize page proposes
    # The dashboard asks for activity:read, not activity:read_all: Strava
    # then hides the runner's private activities, and so nothing imports them.
    runs = [
        a for a in fake.activities(athlete) if a["type"] == "Run" and not a["private"]
    ]
    km = sum(run["distance"] for run in runs) / 1000
    minutes = round(sum(run["moving_time"] for run in runs) / 60)
    return len(runs), f"{km:.1f} km", f"{minutes // 60} h {minutes % 60} min"


def log_in(page: Page, urls: dict) -> None:
    page.goto(urls["dashboard"] + "/")
    page.get_by_role("link", name="Log in with Strava").click()
    expect(page).to_have_url(re.compile(re.escape(urls["fakestrava"] + "/oauth/")))
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(urls["dashboard"] + "/")
    expect(page.get_by_text("Logged in as")).to_be_visible()


def test_log_in_sync_read_the_totals_and_log_out(page, stack_runnerly):
    log_in(page, stack_runnerly.urls)
    page.get_by_role("button", name="Sync with Strava").click()
    count, distance, moving = expected_totals()
    status = page.locator("#sync-status")
    expect(status).to_have_text(
        f"Sync done: {count} runs imported.", timeout=SYNC_TIMEOUT_MS
    )
    total = page.get_by_role("table", name="Runs by month").get_by_role("row").last
    expect(total.get_by_role("rowheader")).to_have_text("Total")
    expect(total.get_by_role("cell")).to_have_text([str(count), distance, moving])
    chart = page.get_by_role("img", name="Distance per month")
    expect(chart.locator("text.value").first).to_be_visible()

    # A second sync finds nothing new: the import is idempotent.
    page.get_by_role("button", name="Sync with Strava").click()
    expect(status).to_have_text("Sync done: 0 runs imported.", timeout=SYNC_TIMEOUT_MS)
    expect(total.get_by_role("cell")).to_have_text([str(count), distance, moving])

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in with Strava")).to_be_visible()
    assert (
        page.request.get(stack_runnerly.urls["dashboard"] + "/api/token").status == 401
    )


def test_the_page_says_when_the_data_service_is_down_and_recovers(page, stack_runnerly):
    log_in(page, stack_runnerly.urls)
    expect(page.get_by_role("table", name="Runs by month")).to_be_visible()

    stack_runnerly.stop_service("dataservice")
    try:
        page.reload()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("The data service is not answering")
    finally:
        stack_runnerly.start_service("dataservice")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("table", name="Runs by month")).to_be_visible()


FETCH_RUNS = """async ([url, token]) => {
    try {
        const answer = await fetch(url, {headers: {Authorization: `Bearer ${token}`}});
        return `${answer.status}`;
    } catch (error) {
        return `refused: ${error.message}`;
    }
}"""


def test_cors_lets_the_dashboard_origin_read_and_no_other(page, stack_runnerly):
    """The same runner token, the same call: from the dashboard's page the
    browser hands the answer over; from another origin's page it refuses."""
    urls = stack_runnerly.urls
    log_in(page, urls)
    token = page.request.get(urls["dashboard"] + "/api/token").json()
    runs = f"{urls['dataservice']}/users/{token['user_id']}/runs"
    call = [runs, token["access_token"]]
    assert page.evaluate(FETCH_RUNS, call) == "200"

    page.goto(urls["fakestrava"] + "/api/v3/athlete")  # any page of another origin
    assert page.evaluate(FETCH_RUNS, call) == "refused: Failed to fetch"
