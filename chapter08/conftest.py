"""Chapter 8 fixtures, one file per service (``tests/fixtures_*.py``)."""

from chapter08.tests.fixtures_dashboard import *  # noqa: F403
from chapter08.tests.fixtures_data import *  # noqa: F403
from chapter08.tests.fixtures_stack import *  # noqa: F403
from chapter08.tests.fixtures_worker import *  # noqa: F403
