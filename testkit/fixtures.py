"""Fixtures that start a server say so, once, where they are defined.

``@server_fixture`` is ``@pytest.fixture`` that also records the fixture's
name; the root conftest marks every test using one of them ``integration``,
so ``make quick`` starts none. A chapter's conftest declares its own server
fixtures the same way, and needs no hook of its own.
"""

import pytest

SERVER_FIXTURES: set[str] = set()


def server_fixture(function=None, /, **options):
    """``@server_fixture`` or ``@server_fixture(scope="session")``."""

    def register(function):
        SERVER_FIXTURES.add(options.get("name", function.__name__))
        return pytest.fixture(function, **options)

    return register(function) if function is not None else register


def mark_integration(items: list[pytest.Item]) -> None:
    """Mark ``integration`` the tests that use a server fixture."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
