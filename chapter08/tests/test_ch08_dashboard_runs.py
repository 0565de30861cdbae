"""Book: chapter 8, "React components": what a runner reads, on a laptop and a phone.

The runner has months of runs: the fake Strava's first athlete's, loaded
into the stand-in data service as a sync imports them
(``dash_live_synced``). Every test runs in Chromium at 1280 px (a laptop)
and at 390 px (a phone). The figures expected are computed here, from the
fake Strava's activities, not read from the page or the data service.
"""

import math
import re
from collections import defaultdict

import pytest
from playwright.sync_api import Page, expect

from chapter08.tests.fixtures_dashboard import dash_browser_log_in, strava_runs
from testkit.browser import chromium_page

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

WIDTHS = [1280, 390]
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]  # fmt: skip


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def page(request) -> Page:
    with chromium_page() as page:
        page.set_viewport_size({"width": request.param, "height": 900})
        yield page


def pace(seconds: float, metres: float) -> str:
    """Minutes per km, to the nearest second (halves up, as the page does)."""
    per_km = math.floor(seconds / (metres / 1000) + 0.5)
    return f"{per_km // 60}:{per_km % 60:02d} /km"


def expected_months(live) -> list[dict]:
    """The runner's months, newest first, from the fake Strava's runs."""
    athlete = live.strava.athlete_ids()[0]
    months = defaultdict(list)
    for run in strava_runs(live.strava, athlete):
        # The data service groups by the start's date in UTC, as Strava gives it.
        months[int(run["start_date"][:4]), int(run["start_date"][5:7])].append(run)
    found = []
    for (year, month), runs in sorted(months.items(), reverse=True):
        moving = sum(run["moving_time"] for run in runs)
        distance = sum(run["distance"] for run in runs)
        found.append(
            {
                "name": f"{MONTH_NAMES[month - 1]} {year}",
                "runs": sorted(runs, key=lambda run: run["start_date"], reverse=True),
                "km": f"{distance / 1000:.1f} km",
                # A month's pace: its total moving time over its total distance.
                "pace": pace(moving, distance),
            }
        )
    return found


def test_pace_per_month_and_per_run(page, dash_live_synced):
    months = expected_months(dash_live_synced)
    assert len(months) >= 3  # months of runs, not one
    dash_browser_log_in(page, dash_live_synced)
    table = page.get_by_role("table", name="Runs by month")
    rows = table.locator("tbody > tr")
    expect(rows).to_have_count(len(months))
    expect(table.get_by_role("columnheader").last).to_have_text("Pace")
    # Each month's distance and pace, and the totals' pace.
    expect(rows.locator("td:nth-of-type(2)")).to_have_text([m["km"] for m in months])
    expect(rows.locator("td:nth-of-type(4)")).to_have_text([m["pace"] for m in months])
    runs = [run for month in months for run in month["runs"]]
    total = pace(
        sum(run["moving_time"] for run in runs), sum(run["distance"] for run in runs)
    )
    expect(table.locator("tfoot td").last).to_have_text(total)
    # The table says which time the pace is of.
    expect(page.locator("#pace-note")).to_contain_text("moving time")

    # Each run's pace, once its month is open (the second month: not only
    # the first works).
    month = months[1]
    table.get_by_role("button", name=month["name"], exact=True).click()
    items = page.get_by_role("list", name=f"Runs of {month['name']}").get_by_role(
        "listitem"
    )
    expect(items).to_have_text(
        [
            re.compile(
                rf"^{int(run['start_date'][8:10])} {month['name'][:3]}: "
                rf"{re.escape(run['name'])}, .*, "
                + re.escape(pace(run["moving_time"], run["distance"])).replace(
                    r"\ ", r"\s"
                )
                + "$"
            )
            for run in month["runs"]
        ]
    )


def test_chart_and_table_list_the_months_in_the_same_order(page, dash_live_synced):
    names = [month["name"] for month in expected_months(dash_live_synced)]
    dash_browser_log_in(page, dash_live_synced)
    table = page.get_by_role("table", name="Runs by month")
    expect(table.locator("tbody th")).to_have_text(names)  # newest first
    chart = page.get_by_role("group", name="Distance per month")
    expect(chart.locator("text.label")).to_have_text(names)
    bars = chart.get_by_role("button")
    expect(bars).to_have_count(len(names))
    for bar, name in zip(bars.all(), names, strict=True):
        expect(bar).to_have_accessible_name(re.compile(rf"^{name}, "))


TEXT_GEOMETRY = """svg => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll("text")].map(text => {
        const own = text.getBoundingClientRect();
        return {
            text: text.textContent,
            // The size on screen: the font's size in the viewBox's units,
            // times the units' scale.
            px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
            inside: own.left >= box.left - 0.5 && own.right <= box.right + 0.5,
        };
    });
}"""


def test_the_chart_fills_its_container_and_its_labels_are_readable(
    page, dash_live_synced
):
    dash_browser_log_in(page, dash_live_synced)
    chart = page.get_by_role("group", name="Distance per month")
    expect(chart.get_by_role("button").first).to_be_visible()
    svg = chart.bounding_box()
    section = page.locator("section[aria-labelledby=months-heading]")
    container = section.evaluate("section => section.clientWidth")
    assert svg["width"] >= 0.9 * container, (svg["width"], container)
    texts = chart.evaluate(TEXT_GEOMETRY)
    assert len(texts) == 2 * len(expected_months(dash_live_synced))
    small = [text for text in texts if text["px"] < 12]
    assert not small, small
    clipped = [text for text in texts if not text["inside"]]
    assert not clipped, clipped

    # The bars still fill the width when it changes (a phone turned, a
    # window resized).
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width + 200, "height": 900})
    wider = section.evaluate("section => section.clientWidth")
    expect(chart).to_have_attribute("viewBox", re.compile(rf"^0 0 {wider} "))


def test_a_bar_opens_its_month_by_click_enter_or_space(page, dash_live_synced):
    names = [month["name"] for month in expected_months(dash_live_synced)]
    dash_browser_log_in(page, dash_live_synced)
    table = page.get_by_role("table", name="Runs by month")
    bars = page.get_by_role("group", name="Distance per month").get_by_role("button")

    def month_button(name):
        return table.get_by_role("button", name=name, exact=True)

    # A click: the month opens, its runs show, the focus goes to the table.
    bars.nth(1).click()
    expect(month_button(names[1])).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("list", name=f"Runs of {names[1]}")).to_be_in_viewport()
    expect(month_button(names[1])).to_be_focused()
    bars.nth(1).click()  # a bar opens; it does not close what is open
    expect(month_button(names[1])).to_have_attribute("aria-expanded", "true")

    # The keyboard: Tab reaches the bars, Enter and Space press them.
    bars.first.focus()
    page.keyboard.press("Enter")
    expect(month_button(names[0])).to_have_attribute("aria-expanded", "true")
    expect(month_button(names[0])).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the table, back to the last bar
    expect(bars.last).to_be_focused()
    page.keyboard.press("Space")
    expect(month_button(names[-1])).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("list", name=f"Runs of {names[-1]}")).to_be_visible()
    expect(month_button(names[2])).to_have_attribute("aria-expanded", "false")


def test_runs_that_arrive_after_their_month_closed_do_not_open_it(
    page, dash_live_synced
):
    names = [month["name"] for month in expected_months(dash_live_synced)]
    dash_browser_log_in(page, dash_live_synced)
    runs = re.compile(r"/users/\d+/runs\?year=")
    held = []  # the month's runs, on their way: answered when the test says
    page.route(runs, lambda route: held.append(route))
    month = page.get_by_role("table", name="Runs by month").get_by_role(
        "button", name=names[1], exact=True
    )

    month.click()  # opens, loading
    expect(month).to_have_attribute("aria-expanded", "true")
    month.click()  # closed before its runs came
    expect(month).to_have_attribute("aria-expanded", "false")
    [request] = held
    with page.expect_response(runs):
        request.continue_()
    page.unroute(runs)

    expect(month).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("list", name=f"Runs of {names[1]}")).to_have_count(0)
    month.click()  # asked again: it opens, with its runs
    expect(page.get_by_role("list", name=f"Runs of {names[1]}")).to_be_visible()


def test_the_keyboard_alone_logs_in_and_opens_a_month(page, dash_live_synced):
    live = dash_live_synced
    names = [month["name"] for month in expected_months(live)]
    page.goto(f"{live.url}/")

    def tab_to(locator, presses=30):
        for _ in range(presses):
            page.keyboard.press("Tab")
            if locator.evaluate("element => element === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {locator}")

    tab_to(page.get_by_role("link", name="Log in with Strava"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{live.strava_url}/oauth/")))
    tab_to(page.get_by_role("button", name="Authorize"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live.url}/")
    bars = page.get_by_role("group", name="Distance per month").get_by_role("button")
    tab_to(bars.first)
    page.keyboard.press("Tab")
    expect(bars.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    month = page.get_by_role("table", name="Runs by month").get_by_role(
        "button", name=names[1], exact=True
    )
    expect(month).to_be_focused()
    expect(month).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")  # the table's button closes it again
    expect(month).to_have_attribute("aria-expanded", "false")


def test_favicons_answer_and_the_console_stays_clean(page, dash_live_synced):
    """Both apps name an SVG icon of their own: no 404 in the console."""
    live = dash_live_synced
    console, answers, failed = [], [], []
    page.on("console", lambda message: console.append(message))
    page.on("response", lambda response: answers.append(response))
    page.on("requestfailed", lambda request: failed.append(request))
    page.goto(f"{live.url}/")  # logged out
    dash_browser_log_in(page, live)  # the fake Strava's page, then the runs
    expect(page.get_by_role("table", name="Runs by month")).to_be_visible()

    assert_an_icon_asked_of_each(answers, (live.url, live.strava_url))
    # Only a request the browser dropped itself, as the page moved on, may fail.
    dropped = [(r.url, r.failure) for r in failed if r.failure != "net::ERR_ABORTED"]
    assert not dropped, dropped
    errors = [m.text for m in console if m.type in ("error", "warning")]
    assert not errors, errors

    assert_each_app_serves_the_icon_its_pages_name(page, live)


def assert_an_icon_asked_of_each(answers: list, origins: tuple[str, ...]) -> None:
    for origin in origins:
        icons = [
            answer
            for answer in answers
            if answer.url.startswith(f"{origin}/") and "favicon" in answer.url
        ]
        assert icons, f"no icon asked of {origin}"
        # 304: the same icon again, from the browser's cache.
        assert {icon.status for icon in icons} <= {200, 304}, icons


def assert_each_app_serves_the_icon_its_pages_name(page, live) -> None:
    """What the pages name: an SVG each app serves itself."""
    page.goto(f"{live.url}/")
    page_icons = [page.locator('link[rel="icon"]').evaluate("link => link.href")]
    page.goto(f"{live.url}/login")  # sent on to the fake Strava's page
    expect(page).to_have_url(re.compile(re.escape(f"{live.strava_url}/oauth/")))
    page_icons.append(page.locator('link[rel="icon"]').evaluate("link => link.href"))
    # A page without a <link rel="icon"> (the fake's JSON API): /favicon.ico.
    for url in [*page_icons, f"{live.strava_url}/favicon.ico"]:
        answer = page.request.get(url)
        assert answer.status == 200, url
        assert answer.headers["content-type"].startswith("image/svg+xml"), url
    assert [url.split("/static/")[0] for url in page_icons] == [
        live.url,
        live.strava_url,
    ]
