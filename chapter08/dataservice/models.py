"""Book: chapter 8, "Interacting with Data Service": the sync state's table.

Chapter 4's ``users`` and ``runs`` tables are unchanged; one table is added,
``sync_states``: one row per user, where the Strava worker records how the
user's last sync went and the browser reads it (the dashboard's progress).
No row means no sync yet ("idle").
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chapter04.monolith.models import db

STATES = ("idle", "queued", "running", "done", "failed")


class SyncState(db.Model):
    __tablename__ = "sync_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # one of STATES
    imported: Mapped[int] = mapped_column(default=0)  # runs imported so far
    message: Mapped[str | None] = mapped_column(String(500))  # why it failed
    updated_at: Mapped[datetime]  # UTC, naive, as chapter 4 stores dates
