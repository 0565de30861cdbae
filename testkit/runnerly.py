"""Runnerly driven as a runner would, by the tests of every chapter that
runs it whole (chapter 08's stack, chapter 09's under Circus, chapter 10's
in containers): log in through the fake Strava, wait for a sync, and
chapter 8's whole scenario in a browser."""

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
from playwright.sync_api import Page, expect

import fakestrava
from testkit.waiting import wait_until


def log_in(urls: dict[str, str], session: requests.Session) -> None:
    """What the browser does: the dashboard sends it to the fake Strava's
    authorize page, the runner says yes, and Strava sends it back.
    ``urls``: the dashboard's and the fake Strava's."""
    login = session.get(urls["dashboard"] + "/login", allow_redirects=False)
    authorize = login.headers["Location"]
    assert authorize.startswith(urls["fakestrava"] + "/oauth/authorize?")
    form = dict(parse_qsl(urlsplit(authorize).query))
    back = session.post(
        urls["fakestrava"] + "/oauth/authorize",
        data={**form, "decision": "authorize"},
        allow_redirects=False,
    )
    home = session.get(back.headers["Location"])  # /authorized, then /
    assert home.status_code == 200, home.text


def dealer_settings(
    folder: Path, clients: dict, issuer: str = "http://tokendealer.test"
) -> dict:
    """A TokenDealer's settings in a test (chapter 7's, and chapter 8's that
    grows it): its keys and its clients file in ``folder``, these clients."""
    return {
        "KEY_DIR": str(folder / "keys"),
        "CLIENTS_FILE": str(folder / "clients.json"),
        "CLIENTS": clients,
        "ISSUER": issuer,
    }


def wait_for_sync(url: str, headers: dict, timeout: float = 60) -> dict:
    """The sync state once the worker has finished, as the page polls it."""

    def state() -> dict:
        return requests.get(url, headers=headers, timeout=5).json()

    def finished() -> dict | None:
        answer = state()
        return answer if answer["state"] in ("done", "failed") else None

    return wait_until(
        finished, timeout, 0.2, what=lambda: f"a finished sync: {state()}"
    )


# A sync imports every run of the fake's history: well beyond a page or two.
SYNC_TIMEOUT_MS = 60_000


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


def expect_first_cells(row, texts: list[str]) -> None:
    """The row's first cells read ``texts`` (later columns may follow)."""
    cells = row.get_by_role("cell")
    for number, text in enumerate(texts):
        expect(cells.nth(number)).to_have_text(text)


def browser_log_in(page: Page, urls: dict) -> None:
    """In the browser: the fake Strava's page, Authorize, back on the dashboard."""
    page.goto(urls["dashboard"] + "/")
    page.get_by_role("link", name="Log in with Strava").click()
    expect(page).to_have_url(re.compile(re.escape(urls["fakestrava"] + "/oauth/")))
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(urls["dashboard"] + "/")
    expect(page.get_by_text("Logged in as")).to_be_visible()


def log_in_sync_read_the_totals_and_log_out(page: Page, urls: dict) -> None:
    """Chapter 8's scenario in the browser, whichever way the stack runs
    (its processes, Circus, containers): the totals the page shows are
    computed here from the fake Strava's own data, not read from Runnerly."""
    browser_log_in(page, urls)
    page.get_by_role("button", name="Sync with Strava").click()
    count, distance, moving = expected_totals()
    status = page.locator("#sync-status")
    expect(status).to_have_text(
        f"Sync done: {count} runs imported.", timeout=SYNC_TIMEOUT_MS
    )
    total = page.get_by_role("table", name="Runs by month").get_by_role("row").last
    expect(total.get_by_role("rowheader")).to_have_text("Total")
    expect_first_cells(total, [str(count), distance, moving])
    # A group of buttons, one per month's bar (an "img" would hide them).
    chart = page.get_by_role("group", name="Distance per month")
    expect(chart.locator("text.value").first).to_be_visible()

    # A second sync finds nothing new: the import is idempotent.
    page.get_by_role("button", name="Sync with Strava").click()
    expect(status).to_have_text("Sync done: 0 runs imported.", timeout=SYNC_TIMEOUT_MS)
    expect_first_cells(total, [str(count), distance, moving])

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in with Strava")).to_be_visible()
    assert page.request.get(urls["dashboard"] + "/api/token").status == 401
