"""What chapter 9's tests share besides fixtures."""

import os
import re

import requests

from testkit.runnerly import log_in


def outside_env(**extra: str) -> dict[str, str]:
    """An environment with nothing of the repository: no PYTHONPATH."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "COVERAGE_PROCESS_START")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    return {**env, **extra}


def logged_in_runner(stack) -> tuple[requests.Session, dict, str]:
    """A runner logged in through the fake Strava, on a stack's dashboard:
    their browser, the dashboard's /api/token answer (the runner token and
    user id), the page's CSRF token."""
    urls = {name: stack.url(name) for name in ("dashboard", "fakestrava")}
    browser = requests.Session()
    log_in(urls, browser)
    token = browser.get(urls["dashboard"] + "/api/token", timeout=10).json()
    page = browser.get(urls["dashboard"] + "/", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    return browser, token, csrf
