"""A converter of our own (book: chapter 2, "Variables and converters").

URLs name a runner (``/api/runners/tarek``) while views work with ids: the
converter turns the name into an id on the way in (``to_python``) and the id
back into a name when ``url_for`` builds a URL (``to_url``). An unknown name is
a 404 before the view runs.

Run it: ``flask --app chapter02.custom_converter run``
"""

from flask import Flask, jsonify, url_for
from werkzeug.routing import BaseConverter, ValidationError

from chapter02.skeleton.errors import register_json_errors

RUNNERS = {1: "tarek", 2: "freya"}
IDS = {name: runner_id for runner_id, name in RUNNERS.items()}


class RunnerConverter(BaseConverter):
    def to_python(self, value: str) -> int:
        if value not in IDS:
            raise ValidationError()  # the route does not match: 404
        return IDS[value]

    def to_url(self, value: int) -> str:
        return super().to_url(RUNNERS[value])


app = Flask(__name__)
app.url_map.converters["runner"] = RunnerConverter
register_json_errors(app)


@app.get("/api/runners/<runner:runner_id>")
def runner(runner_id: int):
    return jsonify(id=runner_id, url=url_for("runner", runner_id=runner_id))
