"""Book: chapter 8, "Interacting with Data Service": the contract, extended.

The data service's OpenAPI document is chapter 4's with this package's
``openapi.yaml`` merged over it, so neither is copied and both stay true::

    >>> spec = load_spec()
    >>> spec["paths"]["/runs/{run_id}"]["get"]["operationId"]  # chapter 4's
    'getRun'
    >>> spec["paths"]["/runs/{run_id}"]["get"]["security"]  # ours, merged in
    [{'service': ['users:read']}]
    >>> sorted(spec["paths"]["/runs/{run_id}"]["get"]["responses"])
    ['200', '401', '403', '404', '503']

Request bodies are checked against the same document's schemas, the way
chapter 4 checks its own (``chapter04/contract.py``), so what it promises is
what the service checks::

    >>> from chapter04.contract import body_validator
    >>> validator = body_validator(load_spec(), "SyncUpdate")
    >>> validator.is_valid({"state": "running", "imported": 3})
    True
    >>> [error.message for error in validator.iter_errors({"state": "asleep"})]
    ["'asleep' is not one of ['idle', 'queued', 'running', 'done', 'failed']"]
"""

from importlib.resources import files

import yaml

from chapter04.contract import load_spec as chapter04_spec

OPERATIONS = {"get", "put", "post", "delete", "patch"}
# A token is checked before anything else: these may answer any secured call.
SECURITY_RESPONSES = ("401", "403", "503")


def merged(base, extra):
    """``extra`` over ``base``: mappings merge key by key, anything else
    (a list, a string) is replaced.

    >>> merged({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": 3}, "d": [2]})
    {'a': {'b': 1, 'c': 3}, 'd': [2]}
    """
    if not (isinstance(base, dict) and isinstance(extra, dict)):
        return extra
    result = dict(base)
    for key, value in extra.items():
        result[key] = merged(base[key], value) if key in base else value
    return result


def read_yaml(package: str) -> dict:
    return yaml.safe_load(files(package).joinpath("openapi.yaml").read_text())


def load_spec() -> dict:
    """The merged document, as a dict (a fresh one on each call)."""
    spec = merged(chapter04_spec(), read_yaml(__package__))
    for path in spec["paths"].values():
        for method, operation in path.items():
            if method in OPERATIONS and operation.get("security"):
                for status in SECURITY_RESPONSES:
                    operation["responses"].setdefault(
                        status, {"$ref": "#/components/responses/Error"}
                    )
    return spec
