"""Runs gain a sport type (book: chapter 9, "Versioning"): release 2.

Schema: ``runs.sport_type``, not null. Data: every run imported so far came
through release 1, which imported runs only (Strava's ``Run``), so each gets
``Run``. A database release 2 created itself already has the column.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    if "sport_type" not in columns:
        # Nullable first, filled, then required: the steps any database takes.
        with op.batch_alter_table("runs") as batch:
            batch.add_column(sa.Column("sport_type", sa.String(32), nullable=True))
    op.execute("UPDATE runs SET sport_type = 'Run' WHERE sport_type IS NULL")
    with op.batch_alter_table("runs") as batch:
        batch.alter_column(
            "sport_type",
            existing_type=sa.String(32),
            nullable=False,
            server_default="Run",
        )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("sport_type")
