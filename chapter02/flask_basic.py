"""Flask's first application (book: chapter 2, "How Flask handles requests").

The smallest Flask microservice, as the book prints it: an application, one
route, one view whose dict ``jsonify`` turns into a JSON response. Flask
matches ``GET /api`` to the view through its URL map.

Its errors are still Flask's own HTML pages; the chapter's other examples
answer them in JSON too (see ``skeleton/errors.py``).

Run it as the book does, ``python chapter02/flask_basic.py`` (``app.run()``:
Flask's development server on 127.0.0.1:5000), or as Flask 3 prefers,
``flask --app chapter02.flask_basic run``, which needs no ``app.run()``.
Today's shorter form of the same view is ``@app.get("/api")`` returning the
dict itself: Flask 1.1 and later turn a returned dict into JSON.
"""

import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/api")
def my_microservice():
    return jsonify({"Hello": "World!"})


if __name__ == "__main__":
    # PORT: another port than the book's 5000 when that one is taken.
    app.run(port=int(os.environ.get("PORT", 5000)))
