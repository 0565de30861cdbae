"""The one-command runs: ``python -m chapter04.monolith`` and ``.dataservice``.

The README runs both commands and the browser test drives the monolith's:
here, what they leave to these tests. Importing a ``__main__`` module (or the
worker's, which Celery imports) starts nothing; only ``python -m`` does.
"""

import importlib
import sys
import threading

import pytest

from testkit.databases import close_database


@pytest.mark.parametrize(
    "module",
    [
        "chapter04.monolith.__main__",
        "chapter04.dataservice.__main__",
        "chapter04.monolith.worker",
    ],
)
def test_importing_starts_nothing(module, monkeypatch, capsys):
    # The worker's module builds its app: on no database file of the checkout.
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.delitem(sys.modules, module, raising=False)  # a fresh import
    imported = {}
    # In a thread: a module that served on import would never return.
    thread = threading.Thread(
        target=lambda: imported.update(vars(importlib.import_module(module))),
        daemon=True,
    )
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), f"importing {module} did not return"
    assert "main" in imported or "celery" in imported  # it did import
    assert capsys.readouterr().out == ""  # no "... on http://..." banner
    if "flask_app" in imported:
        close_database(imported["flask_app"])


def test_the_data_service_database_is_throwaway_unless_named(monkeypatch):
    # Imported here: a module that served on import would hang the collection.
    from chapter04.dataservice.serving import database_settings

    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    assert database_settings("/tmp/dataservice-x") == {
        "SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/dataservice-x/data.db"
    }
    # Named in the environment: no override, which would win over it.
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "postgresql://db/runnerly")
    assert database_settings("/tmp/dataservice-x") == {}
