"""Flask's first application (book: chapter 2, "How Flask handles requests").

The smallest Flask microservice: an application, one route, one view whose
return value becomes a JSON response. Flask matches ``GET /api`` to the
view through its URL map and turns the dict into JSON.

Its errors are still Flask's own HTML pages; the chapter's other examples
answer them in JSON too (see ``skeleton/errors.py``).

Run it: ``flask --app chapter02.flask_basic run``
"""

from flask import Flask

app = Flask(__name__)


@app.get("/api")
def my_microservice():
    return {"Hello": "World!"}
