"""Book: chapter 9, "Versioning": release 2's schema, one column added.

SQLAlchemy lets a mapped class gain a column after it is declared; release 2
does so when its app is made (never on import: release 1's code, imported
in the same process, keeps release 1's table).
"""

from sqlalchemy import String
from sqlalchemy.orm import mapped_column

from chapter04.monolith.models import Run

DEFAULT_SPORT = "Run"


def add_sport_type() -> None:
    """``runs.sport_type``, ``Run`` unless said otherwise; once per process."""
    if "sport_type" not in Run.__table__.columns:
        Run.sport_type = mapped_column(
            String(32), nullable=False, default=DEFAULT_SPORT,
            server_default=DEFAULT_SPORT,
        )  # fmt: skip
