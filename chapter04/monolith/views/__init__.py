"""Blueprints, one per concern (book: chapter 4, "View and Template")."""

from .account import auth
from .home import home
from .strava import strava
from .users import users

blueprints = [home, auth, users, strava]
