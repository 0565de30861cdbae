"""The data service against its merged contract, with generated requests.

Book: chapter 8, "Interacting with Data Service"; the method of chapter 4's
test_ch04_schemathesis.py (read it first), on the document the service
itself loads (chapter 4's ``openapi.yaml`` with chapter 8's merged over it),
so chapter 4's operations and the new ones are all covered. Every request
carries a valid service token with every scope: the access rules are tested
one by one in test_ch08_data_auth.py; here, whatever a client sends, the
answer is a documented status, in JSON, of the documented shape, never a 500.

On SQLite only: chapter 4's document promises 64-bit integers that
PostgreSQL's INTEGER columns do not hold (see notes_data.md).
"""

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from chapter07.tokendealer.keys import KeyStore
from chapter08.dataservice.spec import load_spec
from chapter08.tests.fixtures_data import (
    DATA_ALL_SCOPES,
    DATA_RUN,
    DataTokens,
    data_auth,
    data_login,
    data_service,
)
from testkit.contracts import CHECKS
from testkit.databases import close_database

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "hypothesis-chapter08")

schema = schemathesis.openapi.from_dict(load_spec(), config=schemathesis.Config())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return DataTokens(KeyStore(tmp_path_factory.mktemp("schemathesis-keys")))


@pytest.fixture(scope="module")
def app(keys):
    """One service for all generated requests; user 1 (with Strava), run 1
    and a sync state exist from the start, so lookups reach the 200s."""
    app = data_service("sqlite://", keys)
    client, headers = app.test_client(), data_auth(keys.service(DATA_ALL_SCOPES))
    client.put("/users/strava/1", json=data_login(1), headers=headers)
    client.post("/users/1/runs/import", json={"runs": [DATA_RUN]}, headers=headers)
    client.put("/users/1/sync", json={"state": "done", "imported": 1}, headers=headers)
    app.token = headers
    yield app
    close_database(app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None)
def test_the_service_keeps_its_contract(case, app):
    # The token is the service's; a generated Authorization is replaced.
    case.headers = {**(case.headers or {}), **app.token}
    case.call_and_validate(app=app, checks=CHECKS)
