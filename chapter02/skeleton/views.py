"""The skeleton's one blueprint: a home that says which service answers."""

from flask import Blueprint, current_app, jsonify

api = Blueprint("api", __name__)


@api.get("/")
def home():
    return jsonify(service=current_app.config["SERVICE_NAME"], status="ok")
