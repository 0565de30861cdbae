"""The Runnerly data model (book: chapter 4, "Model").

Two tables: users, and the runs imported from Strava. SQLAlchemy 2's typed
``Mapped[...]`` style: the annotations are both the Python types and the
column definitions (``Mapped[int | None]`` is a nullable column).
"""

from datetime import datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    firstname: Mapped[str | None] = mapped_column(String(128))
    lastname: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Strava: who the user is there, and the OAuth tokens to act for them.
    strava_athlete_id: Mapped[int | None] = mapped_column(BigInteger)
    strava_access_token: Mapped[str | None] = mapped_column(String(128))
    strava_refresh_token: Mapped[str | None] = mapped_column(String(128))
    strava_expires_at: Mapped[int | None]  # epoch seconds, as Strava sends it
    # What a runner's training plan needs.
    age: Mapped[int | None]
    weight: Mapped[float | None]  # kg
    max_hr: Mapped[int | None]
    rest_hr: Mapped[int | None]

    runs: Mapped[list["Run"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="Run.start_date.desc()",
    )

    def set_password(self, password: str) -> None:
        # Only a salted hash is stored, never the password.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(
            self.password_hash, password
        )

    @property
    def strava_connected(self) -> bool:
        return self.strava_refresh_token is not None


class Run(db.Model):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Strava's id: unique, so importing the same activity twice is impossible.
    strava_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    distance: Mapped[float]  # metres
    start_date: Mapped[datetime]  # UTC, naive
    elapsed_time: Mapped[int]  # seconds
    moving_time: Mapped[int]  # seconds
    average_speed: Mapped[float]  # m/s
    max_speed: Mapped[float]  # m/s
    average_heartrate: Mapped[float | None]
    total_elevation_gain: Mapped[float] = mapped_column(default=0.0)  # metres

    user: Mapped[User] = relationship(back_populates="runs")
