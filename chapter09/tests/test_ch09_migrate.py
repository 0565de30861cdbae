"""Release 1 writes runs; release 2 is installed over it and migrates the
database (``v0001_release_1.py``, then ``v0002_sport_type.py``); every run is
still there, unchanged, and a ``Run`` (chapter 9, "Versioning"), on SQLite
and on PostgreSQL."""

import json
import subprocess

import pytest
import requests

from chapter09.deploy import LOCKS, install, install_into
from chapter09.tests.helpers import outside_env

pytestmark = pytest.mark.integration

# Run in the service's environment: its own code, from its wheel.
WRITE_RUNS = """
import json
from datetime import datetime, timedelta
from chapter08.dataservice import create_app
from chapter04.dataservice.views import run_json
from chapter04.monolith.models import Run, User, db
app = create_app()
with app.app_context():
    user = User(email="ada@example.com", firstname="Ada")
    for n in range(25):
        user.runs.append(Run(
            strava_id=1000 + n, name=f"Run {n}", distance=5000.0 + n * 10.5,
            start_date=datetime(2026, 1, 1) + timedelta(days=n),
            elapsed_time=1800 + n, moving_time=1700 + n, average_speed=2.9,
            max_speed=4.1, average_heartrate=None if n % 2 else 150.0,
        ))
    db.session.add(user)
    db.session.commit()
    print(json.dumps([run_json(r) for r in db.session.scalars(db.select(Run))]))
    db.engine.dispose()
"""
READ_RUNS = """
import json
from chapter09.dataservice2 import create_app
from chapter04.dataservice.views import run_json
from chapter04.monolith.models import Run, db
app = create_app()
with app.app_context():
    runs = db.session.scalars(db.select(Run).order_by(Run.id))
    print(json.dumps([{**run_json(r), "sport_type": r.sport_type} for r in runs]))
    db.engine.dispose()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/runnerly.db"
    return request.getfixturevalue("postgres_url")


def python(bin_dir, code, env, cwd) -> str:
    done = subprocess.run(
        [bin_dir / "python", "-c", code], capture_output=True, text=True,
        env=env, cwd=cwd, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_upgrade_keeps_every_run(c9_dist, database_url, tmp_path, server_process):
    env = outside_env(FLASK_SQLALCHEMY_DATABASE_URI=database_url)
    bin_dir = install(
        c9_dist["dataservice"]["wheel"], tmp_path / "venv", LOCKS / "dataservice.txt"
    )
    before = json.loads(python(bin_dir, WRITE_RUNS, env, tmp_path))
    assert len(before) == 25

    # The upgrade: release 2 over release 1, then its migrate command.
    install_into(
        tmp_path / "venv", c9_dist["dataservice2"]["wheel"], LOCKS / "dataservice2.txt"
    )
    migrate = [bin_dir / "runnerly-dataservice", "migrate"]
    for _ in range(2):  # a second run finds nothing to do
        done = subprocess.run(
            migrate, capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr

    after = json.loads(python(bin_dir, READ_RUNS, env, tmp_path))
    assert [{k: v for k, v in run.items() if k != "sport_type"} for run in after] == (
        sorted(before, key=lambda run: run["id"])
    )
    assert {run["sport_type"] for run in after} == {"Run"}

    server = server_process([bin_dir / "runnerly-dataservice"], cwd=tmp_path, env=env)
    assert requests.get(f"{server.url}/health", timeout=5).json()["version"] == "2.0.0"
    assert requests.get(f"{server.url}/ready", timeout=5).status_code == 200
