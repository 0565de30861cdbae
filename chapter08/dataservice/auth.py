"""Book: chapter 8, "JavaScript authentication": who may call which operation.

Chapter 7's :class:`~chapter07.bearer_auth.BearerAuth` checks every token
(signature, issuer, audience, lifetime) and maps an HTTP method to one scope.
Here each operation has its own requirement, read from ``openapi.yaml``
(``security``): a *service* token (the worker's, the dashboard's) needs every
scope listed; a *runner* token (``runner_id`` claim, handed to the browser)
is only accepted where the ``runner`` scheme is, for GETs of that runner's
own ``{user_id}``. ``security: []`` is public (``/health``, ``/ready``), and
a CORS preflight (OPTIONS) carries no token, so none is asked for.
"""

import re

from flask import Flask, current_app, request
from werkzeug.exceptions import Forbidden

from chapter07.bearer_auth import (
    BearerAuth,
    BearerError,
    bearer_token,
    insufficient_scope,
    verify,
)

# Flask's /users/<int:user_id> is OpenAPI's /users/{user_id}.
CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def operation_security(app: Flask, spec: dict) -> dict:
    """(rule, method) -> {scheme: scopes}; every route must be in the spec."""
    security = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = CONVERTER.sub(r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:
                raise RuntimeError(f"{method} {path} is not in openapi.yaml")
            requirements = operation.get("security", spec.get("security", []))
            security[rule.rule, method] = {
                scheme: frozenset(scopes)
                for requirement in requirements
                for scheme, scopes in requirement.items()
            }
    return security


class OperationAuth(BearerAuth):
    """``OperationAuth(app)``, once every route is registered; the spec is
    ``app.extensions["openapi"]``."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.extensions["operation_security"] = operation_security(
            app, app.extensions["openapi"]
        )

    @staticmethod
    def check() -> None:
        # No route (a 404 or 405 follows) or a preflight: nothing to guard.
        if request.url_rule is None or request.method == "OPTIONS":
            return
        method = "GET" if request.method == "HEAD" else request.method
        allowed = current_app.extensions["operation_security"][
            request.url_rule.rule, method
        ]
        if not allowed:
            return  # security: [] -- public
        claims = verify(bearer_token())
        if "runner_id" in claims:
            needed = runner_scopes(claims["runner_id"], allowed)
        elif "service" in allowed:
            needed = allowed["service"]
        else:
            raise Forbidden("This operation takes a runner token.")
        if not needed <= set(claims["scope"].split()):
            raise insufficient_scope(" ".join(sorted(needed)))


def runner_scopes(runner_id, allowed: dict) -> frozenset:
    """A runner token opens only its own runner's data, only where allowed."""
    # bool is an int in Python; a signed token of the wrong shape is refused.
    if type(runner_id) is not int:
        raise BearerError(401, "invalid_token", "The runner_id claim must be an id.")
    if "runner" not in allowed or request.view_args.get("user_id") != runner_id:
        raise Forbidden(f"A runner token reads runner {runner_id}'s own data only.")
    return allowed["runner"]
