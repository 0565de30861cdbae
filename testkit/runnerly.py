"""Runnerly driven as a runner would, by the tests of every chapter that
runs it whole (chapter 08's stack, chapter 09's under Circus, chapter 10's
in containers): log in through the fake Strava, wait for a sync."""

import time
from urllib.parse import parse_qsl, urlsplit

import requests


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


def wait_for_sync(url: str, headers: dict, timeout: float = 60) -> dict:
    """The sync state once the worker has finished, as the page polls it."""
    deadline = time.monotonic() + timeout
    while True:
        state = requests.get(url, headers=headers, timeout=5).json()
        if state["state"] in ("done", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.2)
