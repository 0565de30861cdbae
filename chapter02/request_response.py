"""The request and response objects (book: chapter 2, "The request" and "The response").

Flask hands every view the incoming HTTP request as ``request`` (a Werkzeug
``Request``) and turns what the view returns into a ``Response``: a dict or a
list becomes JSON, a tuple adds a status and headers, ``make_response`` gives
the object itself to change.

Run it: ``flask --app chapter02.request_response run``
"""

from flask import Flask, abort, jsonify, make_response, request

from chapter02.skeleton.errors import register_json_errors

app = Flask(__name__)
register_json_errors(app)


@app.route("/api/echo", methods=["GET", "POST"])
def echo():
    # Everything the client sent, as the view sees it.
    return {
        "method": request.method,
        "path": request.path,
        "args": request.args.to_dict(flat=False),
        "user_agent": request.headers.get("User-Agent"),
        "json": request.get_json(silent=True),
    }


@app.post("/api/runs")
def create_run():
    # silent=True returns None on a missing or broken body instead of Flask's
    # own HTML 400 page: the error we answer is JSON, and says what is wrong.
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "distance" not in body:
        abort(400, description='expected a JSON object with "distance"')
    # A tuple: body, status, headers.
    return {"distance": body["distance"]}, 201, {"Location": "/api/runs/1"}


@app.get("/api/csv")
def runs_as_csv():
    # make_response: the Response object itself, to set what jsonify would not.
    response = make_response("id,distance\n1,10.2\n")
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = "attachment; filename=runs.csv"
    return response


@app.get("/api/list")
def as_list():
    # Lists are JSON too since Flask 2.2; jsonify remains for explicit calls.
    return jsonify([1, 2, 3])
