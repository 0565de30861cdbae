"""Globals and contexts (book: chapter 2, "Globals").

``request`` and ``g`` belong to the request being handled, ``current_app`` to
the application handling it; Flask pushes an application context and a request
context around each request, so the same name means the right object in every
thread. ``g`` lives for one request: a ``before_request`` function fills it
(here with the caller's user) and the views read it.

Run it: ``flask --app chapter02.app_globals run``
"""

from flask import Flask, abort, current_app, g, request

from chapter02.skeleton.errors import register_json_errors

# A stand-in for a user database, keyed by API token.
USERS = {"secret-token-tarek": "tarek", "secret-token-freya": "freya"}

app = Flask(__name__)
app.config["SERVICE_NAME"] = "globals-demo"
register_json_errors(app)


@app.before_request
def load_user():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    g.user = USERS.get(token)


@app.get("/api/whoami")
def whoami():
    if g.user is None:
        abort(401, description="send Authorization: Bearer <token>")
    return {"user": g.user, "service": current_app.config["SERVICE_NAME"]}


@app.get("/api/public")
def public():
    return {"user": g.user}
