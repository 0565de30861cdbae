"""The session: data kept in a signed cookie (book: chapter 2, "Session object").

Flask keeps ``session`` in the client's cookie, not on the server: the mapping
is dumped to JSON, compressed with zlib when that makes it smaller, encoded in
URL-safe base64, and signed with ``SECRET_KEY`` (itsdangerous). Signed is not
encrypted: anyone holding the cookie can read it, nobody without the key can
change it. Keep secrets out of it.

Run it: ``flask --app chapter02.session_cookie run``
"""

import os

from flask import Flask, abort, request, session

from chapter02.skeleton.errors import register_json_errors

app = Flask(__name__)
# A real key comes from the environment; this fallback is for the demo only.
app.config["SECRET_KEY"] = os.environ.get("FLASK_SECRET_KEY", "demo-only-not-secret")
register_json_errors(app)


@app.get("/api/visits")
def visits():
    session["visits"] = session.get("visits", 0) + 1
    return {"visits": session["visits"]}


@app.post("/api/notes")
def add_note():
    # Lets a client grow the cookie, to see compression at work.
    note = request.get_json(silent=True)
    if not isinstance(note, str):
        abort(400, description="expected a JSON string")
    session["notes"] = [*session.get("notes", []), note]
    return {"notes": len(session["notes"])}


@app.delete("/api/session")
def forget():
    session.clear()
    return {"visits": 0}
