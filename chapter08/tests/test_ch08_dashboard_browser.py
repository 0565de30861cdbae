"""Book: chapter 8, "Building a ReactJS dashboard": the page in Chromium.

The dashboard, the fake Strava and stand-ins of TokenDealer and the data
service each serve on a port of their own (``dash_live``): the page is on
one origin and calls the data service on another, as in production, so
CORS, the runner token and the Content-Security-Policy all take part.
Every test logs in the real way, through the fake Strava's page.
"""

import re

import pytest
from playwright.sync_api import expect

from chapter08.tests.fixtures_dashboard import dash_browser_log_in
from testkit.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def live(dash_live):
    """Runner 1 (the first to log in) has three runs over two months."""
    dash_live.state.add_run(1, "2026-10-04T08:00:00Z", 42195.0, 12600)
    dash_live.state.add_run(1, "2026-11-20T07:00:00Z", 10000.0, 3000)
    dash_live.state.add_run(1, "2026-11-22T07:00:00Z", 11500.0, 3600)
    return dash_live


log_in = dash_browser_log_in


def test_runs_by_month_totals_and_an_accessible_chart(page, live):
    console = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live)
    table = page.get_by_role("table", name="Runs by month")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)  # head, two months, totals
    # A number and its unit are joined by a no-break space, which
    # to_have_text reads as a space. Pace: moving time over distance,
    # 6600 s / 21.5 km = 307 s, 5:07 per km.
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text("November 2026")
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        ["2", "21.5 km", "1 h 50 min", "5:07 /km"]
    )
    expect(rows.nth(2).get_by_role("rowheader")).to_have_text("October 2026")
    expect(rows.nth(2).get_by_role("cell")).to_have_text(
        ["1", "42.2 km", "3 h 30 min", "4:59 /km"]
    )
    expect(rows.nth(3).get_by_role("rowheader")).to_have_text("Total")
    expect(rows.nth(3).get_by_role("cell")).to_have_text(
        ["3", "63.7 km", "5 h 20 min", "5:01 /km"]
    )

    # The chart: in the table's order, every bar a button named with its value.
    chart = page.get_by_role("group", name="Distance per month")
    bars = chart.get_by_role("button")
    expect(bars).to_have_count(2)
    expect(bars.nth(0)).to_have_accessible_name("November 2026, 21.5 km: show its runs")
    expect(bars.nth(1)).to_have_accessible_name("October 2026, 42.2 km: show its runs")
    expect(chart.locator("text.value")).to_have_text(["21.5 km", "42.2 km"])
    expect(chart.locator("text.label")).to_have_text(["November 2026", "October 2026"])

    # A month's runs, on demand, from the data service.
    month = table.get_by_role("button", name="November 2026")
    expect(month).to_have_attribute("aria-expanded", "false")
    month.click()
    expect(month).to_have_attribute("aria-expanded", "true")
    runs = page.get_by_role("list", name="Runs of November 2026").get_by_role(
        "listitem"
    )
    expect(runs).to_have_text(
        [
            re.compile(r"^22 Nov: .*11\.5\skm, 1\sh 00\smin, 5:13\s/km$"),
            re.compile(r"^20 Nov: .*10\.0\skm, 50\smin, 5:00\s/km$"),
        ]
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
    wait_until(lambda: live.state.runner_tokens_issued >= 3, timeout=10, interval=0.05)
    live.state.add_run(1, "2026-11-24T07:00:00Z", 5000.0, 1500)
    live.state.sync[1] = {"state": "done", "imported": 1, "message": None}
    expect(status).to_have_text("Sync done: 1 run imported.")
    total = page.get_by_role("table", name="Runs by month").get_by_role("row").last
    expect(total.get_by_role("cell")).to_have_text(
        ["4", "68.7 km", "5 h 45 min", "5:01 /km"]
    )
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
