"""Release 1's schema (book: chapter 9, "Versioning"): the baseline.

Release 1 made its tables with ``create_all``; there is nothing to do, only
a revision for the next ones to follow.

Revision ID: 0001
"""

revision = "0001"
down_revision = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
