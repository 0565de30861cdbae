"""Book: chapter 8, "Building a ReactJS dashboard": accessible, on a laptop and a phone.

Each page a runner meets (the dashboard logged out, the fake Strava's
consent page, the runs, a month opened from the chart) in Chromium at
1280 px and at 390 px: axe-core finds no violation of impact "serious" or
"critical" (contrast, names, roles, keyboard traps...), and the page does
not scroll sideways.

With ``UPDATE_SCREENSHOTS=1`` the tests also save the pages in
``chapter08/screenshots/``, which the README shows:

    UPDATE_SCREENSHOTS=1 pytest chapter08/tests/test_ch08_dashboard_a11y.py
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chapter08.tests.fixtures_dashboard import dash_browser_log_in
from testkit.browser import chromium_page

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CHAPTER = Path(__file__).parent.parent
SCREENSHOTS = CHAPTER / "screenshots"
# Vendored from npm with its hash (tests/vendor/manifest.json); the tests'
# tool only, never served by the dashboard.
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WIDTHS = [1280, 390]


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def page(request) -> Page:
    with chromium_page() as page:
        page.set_viewport_size({"width": request.param, "height": 900})
        yield page


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now.

    ``add_script_tag(path=...)`` would inject axe as an inline script, which
    the dashboard's Content-Security-Policy forbids. Rather than switch the
    policy off for the test (``bypass_csp``, which would also hide a page
    that breaks it), axe comes as a file of the page's own origin, which the
    policy allows: the test answers that one URL itself.
    """
    origin = re.match(r"^https?://[^/]+", page.url)[0]
    url = f"{origin}/axe-core-under-test.js"
    page.route(url, lambda route: route.fulfill(path=AXE))
    try:
        page.add_script_tag(url=url)
    finally:
        page.unroute(url)
    return page.evaluate("async () => (await axe.run(document)).violations")


def check_page(page: Page, name: str, screenshot: bool = False) -> None:
    """No serious or critical axe violation, no sideways scrolling; then a
    screenshot for the README, when asked for."""
    serious = [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in axe_violations(page)
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    scrolled = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scrolled[0] <= scrolled[1], f"{name}: {scrolled[0]} px wide in {scrolled[1]}"
    if screenshot and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        width = page.viewport_size["width"]
        page.mouse.move(0, 0)  # no hover highlight in the picture
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def test_every_page_a_runner_meets(page, dash_live_synced):
    live = dash_live_synced
    page.goto(f"{live.url}/")
    expect(page.get_by_role("link", name="Log in with Strava")).to_be_visible()
    check_page(page, "login")

    page.get_by_role("link", name="Log in with Strava").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    check_page(page, "fake-strava-consent", screenshot=True)

    dash_browser_log_in(page, live)
    bars = page.get_by_role("group", name="Distance per month").get_by_role("button")
    expect(bars.first).to_be_visible()
    check_page(page, "dashboard")

    bars.first.click()  # the newest month, opened from the chart
    expect(page.get_by_role("list", name=re.compile("^Runs of "))).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    check_page(page, "dashboard-month-open", screenshot=True)


def test_the_readme_shows_every_screenshot():
    readme = (CHAPTER / "README.md").read_text()
    shown = set(re.findall(r"!\[[^\]]+\]\(screenshots/([^)]+\.png)\)", readme))
    saved = {path.name for path in SCREENSHOTS.glob("*.png")}
    assert shown, "the README shows no screenshot"
    assert shown == saved
