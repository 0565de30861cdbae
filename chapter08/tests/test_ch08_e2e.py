"""Runnerly end to end, in Chromium (book: chapter 8, "Bringing It All Together").

The whole stack of ``python -m chapter08``, every service its own process,
and a runner in a real browser: log in through the fake Strava's page, sync,
see the runs the worker imported with the right totals, log out. Then the
data service goes down: the page says so, and comes back when it does.

The expected totals are computed from the fake Strava's own data (the same
seed gives the same activities all day), not read from the data service:
the test checks the whole chain, Strava to worker to data service to
browser. The scenario is testkit/runnerly.py's: chapter 10 runs it too,
on the containers.
"""

import pytest
from playwright.sync_api import expect

from testkit.runnerly import browser_log_in, log_in_sync_read_the_totals_and_log_out

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_log_in_sync_read_the_totals_and_log_out(page, stack_runnerly):
    log_in_sync_read_the_totals_and_log_out(page, stack_runnerly.urls)


def test_the_page_says_when_the_data_service_is_down_and_recovers(page, stack_runnerly):
    browser_log_in(page, stack_runnerly.urls)
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
    browser_log_in(page, urls)
    token = page.request.get(urls["dashboard"] + "/api/token").json()
    runs = f"{urls['dataservice']}/users/{token['user_id']}/runs"
    call = [runs, token["access_token"]]
    assert page.evaluate(FETCH_RUNS, call) == "200"

    page.goto(urls["fakestrava"] + "/api/v3/athlete")  # any page of another origin
    assert page.evaluate(FETCH_RUNS, call) == "refused: Failed to fetch"
