"""Book: chapter 7, "Asserting incoming data": server-side template injection.

The book's example: the user's input becomes part of the *template*, so
Jinja runs what it contains, ``{{ config }}`` included, and the app's
``SECRET_KEY`` leaks. Bandit does not see it. The safe version passes the
input as a template *variable*, which Jinja only prints (escaped)::

    >>> client = create_app().test_client()
    >>> client.get("/safe/hello", query_string={"name": "{{ 7 * 7 }}"}).text
    'Hello {{ 7 * 7 }}!'
    >>> client.get("/vulnerable/hello", query_string={"name": "{{ 7 * 7 }}"}).text
    'Hello 49!'
"""

import secrets

from flask import Flask, render_template_string, request

from chapter02.skeleton.errors import register_json_errors


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)
    app.config["SECRET_KEY"] = secrets.token_hex(32)

    @app.get("/vulnerable/hello")
    def vulnerable_hello():
        # Deliberately vulnerable (the lesson): the input is template source.
        # Bandit has no rule for it, so there is no ``nosec`` to write here.
        name = request.args.get("name", "stranger")
        return render_template_string(f"Hello {name}!")

    @app.get("/safe/hello")
    def safe_hello():
        name = request.args.get("name", "stranger")
        return render_template_string("Hello {{ name }}!", name=name)

    return app
