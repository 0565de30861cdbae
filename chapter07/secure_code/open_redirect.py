"""Book: chapter 7, "Asserting incoming data": an open redirect after login.

``/login?next=...`` sends the user back where they were. If ``next`` may be
any URL, a link to the real login page can land the user, logged in and
trusting, on an attacker's copy of the site. The safe version follows only
a path of this site::

    >>> is_local("/runs?page=2"), is_local("https://evil.example/")
    (True, False)
    >>> is_local("//evil.example/"), is_local("/\\\\evil.example/")
    (False, False)
"""

from urllib.parse import urlsplit

from flask import Flask, redirect, request

from chapter02.skeleton.errors import register_json_errors


def is_local(target: str) -> bool:
    """True for a path of this site: no scheme, no host, one leading slash.

    Browsers read ``//host`` and ``/\\host`` as another host, and ignore
    tabs and newlines inside a URL, so those are refused too.
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(char in target for char in "\t\r\n"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)

    # Checking the password is chapter 4's job; here, only where we go next.
    @app.post("/vulnerable/login")
    def vulnerable_login():
        # Deliberately vulnerable (the lesson): redirects wherever ``next`` says.
        return redirect(request.args.get("next", "/"))

    @app.post("/safe/login")
    def safe_login():
        target = request.args.get("next", "/")
        return redirect(target if is_local(target) else "/")

    return app
