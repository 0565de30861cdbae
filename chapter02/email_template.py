"""Templates for text content (book: chapter 2, "Templates").

A microservice rarely renders web pages, but it writes text: an e-mail body, a
report. Jinja2 renders both. Flask autoescapes templates whose name ends in
``.html`` (``<`` becomes ``&lt;``) and leaves ``.txt`` alone, so the same
user-supplied title is safe in the HTML part and intact in the text part.

Run it: ``python -m chapter02.email_template`` prints a rendered e-mail;
``flask --app chapter02.email_template run`` serves ``/api/email.txt`` and
``/api/email.html``.
"""

from flask import Flask, abort, render_template

from chapter02.skeleton.errors import register_json_errors

app = Flask(__name__)
register_json_errors(app)

# What a run import would have produced; one title holds markup on purpose.
WEEK = {
    "user": {"name": "Tarek"},
    "runs": [
        {"date": "2017-03-06", "km": 10.2, "title": "Morning run"},
        {"date": "2017-03-08", "km": 21.1, "title": "<b>Half</b> & happy"},
    ],
}


def weekly_email(kind: str = "txt", week: dict = WEEK) -> str:
    total_km = sum(run["km"] for run in week["runs"])
    return render_template(f"weekly_email.{kind}", total_km=total_km, **week)


@app.get("/api/email.<kind>")
def email(kind: str):
    if kind not in ("txt", "html"):
        abort(404, description="kinds are txt and html")
    mimetype = "text/plain" if kind == "txt" else "text/html"
    return weekly_email(kind), {"Content-Type": f"{mimetype}; charset=utf-8"}


if __name__ == "__main__":
    # Rendering needs an application context: where Flask finds the templates.
    with app.app_context():
        print(weekly_email("txt"))
