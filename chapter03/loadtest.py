"""Load test scenarios for molotov (book: chapter 3, "Load tests").

Each scenario is a coroutine molotov's workers run again and again, picked
by weight, through one aiohttp session per worker; a failed ``assert`` counts
as a failure. Point it at a running proxy with ``TRACKER_URL``:

    TRACKER_URL=http://127.0.0.1:5000 molotov -w 4 -d 10 chapter03/loadtest.py

A load test finds what only shows with many requests at once (state shared
between requests, a lock held too long, a pool too small, a leak). The
asserts check that each answer is right for its own request; the counts it
prints are for a human to compare between runs, never a pass mark.
"""

import os
import random

import molotov

BASE_URL = os.environ.get("TRACKER_URL", "http://127.0.0.1:5000").rstrip("/")


@molotov.scenario(weight=60)
async def read_a_bug(session):
    async with session.get(f"{BASE_URL}/api/bugs/1") as response:
        assert response.status == 200, response.status
        bug = await response.json()
        assert bug["id"] == 1


@molotov.scenario(weight=30)
async def list_bugs_by_state(session):
    state = random.choice(["open", "closed"])
    async with session.get(f"{BASE_URL}/api/bugs?status={state}") as response:
        assert response.status == 200, response.status
        body = await response.json()
        # Each answer must be about its own request, whatever runs beside it.
        assert body["filter"] == state, (state, body["filter"])
        assert {bug["state"] for bug in body["bugs"]} == {state}


@molotov.scenario(weight=10)
async def file_a_bug(session):
    bug = {"title": "Filed under load", "severity": "minor"}
    async with session.post(f"{BASE_URL}/api/bugs", json=bug) as response:
        assert response.status == 201, response.status
        filed = await response.json()
        assert response.headers["Location"].endswith(f"/api/bugs/{filed['id']}")
