"""A real Celery worker, a real Redis broker: the import as it runs in production.

The web app (here, in the test process) queues the task when the user clicks
"Fetch"; the worker, another process, takes it from Redis and writes the runs
to the database both share (a SQLite file here).
"""

import pytest
import webtest
from sqlalchemy import func, select

from chapter04.monolith.app import create_app
from chapter04.monolith.models import Run, db
from chapter04.tests.helpers import (
    RUNNER,
    add_users,
    connect_strava,
    login,
    runs_of,
    strava_settings,
)
from testkit.databases import close_database
from testkit.servers import ServerProcess, python_command
from testkit.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def worker_app(strava, redis_url, tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'runnerly.db'}",
        CELERY_BROKER_URL=redis_url,
        **strava_settings(strava),
    )
    add_users(app)
    yield app
    celery = app.extensions["celery"]
    celery.pool.force_close_all()  # the connections to this test's Redis
    celery.close()
    close_database(app)


def start_worker(app) -> ServerProcess:
    settings = {
        name: app.config[name]
        for name in (
            "SQLALCHEMY_DATABASE_URI",
            "CELERY_BROKER_URL",
            "STRAVA_BASE_URL",
            "STRAVA_CLIENT_ID",
            "STRAVA_CLIENT_SECRET",
        )
    }
    env = {f"FLASK_{name}": str(value) for name, value in settings.items()}
    command = python_command(
        "-m", "celery", "-A", "chapter04.monolith.worker",
        "worker", "--pool=solo", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    )  # fmt: skip
    worker = ServerProcess(command, env=env)
    worker.launch()  # a worker listens on no port: no waiting for one
    return worker


def count_runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Run.id)))


def test_a_real_worker_imports_the_runs(worker_app, strava):
    testapp = webtest.TestApp(worker_app)
    login(testapp, *RUNNER)
    home = connect_strava(testapp, strava)
    expected = len(runs_of(strava.fake, strava.fake.athlete_ids()[0]))

    worker = start_worker(worker_app)
    try:
        page = home.forms["fetch"].submit().follow()
        assert "Import started: your runs appear in a moment." in page

        def imported() -> bool:
            assert worker.process.poll() is None, worker.output()
            return count_runs(worker_app) >= expected

        wait_until(imported, timeout=60, interval=0.2, what=worker.output)
        assert count_runs(worker_app) == expected, worker.output()
        assert "runnerly.fetch_all_runs" in worker.output()
        page = testapp.get("/")
        assert len(page.html.find(id="runs").find_all("tr")) == expected + 1
    finally:
        worker.stop()
