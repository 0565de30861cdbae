"""Book: chapter 4, "Using Open API 2.0": the data service's contract, applied.

``dataservice/openapi.yaml`` describes every request body. Rather than check
the bodies a second time by hand, and keep a second list of a run's fields
in step with it, the service checks each body against the spec's own schema
and reads the fields from there::

    >>> spec = load_spec()
    >>> new_user = body_validator(spec, "NewUser")
    >>> problem(new_user, {"email": "ada@example.com", "age": 36}) is None
    True
    >>> problem(new_user, {"email": "ada@example.com", "age": "old"})
    '$.age: must be of type integer or null'
    >>> problem(new_user, {"firstname": "Ada"})
    "$: 'email' is a required property"
    >>> run = fields(spec, "NewRun")
    >>> run["distance"], run["average_heartrate"]
    (Field(type='number', required=True), Field(type='number', required=False))

The module imports neither Flask nor the data service: a later service that
sends runs to the data service (chapter 8's Strava worker) can check them
with it, and chapter 9's wheel of that service carries this file and the
spec, not the data service.
"""

import math
from pathlib import Path
from typing import NamedTuple

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

SPEC = Path(__file__).resolve().parent / "dataservice" / "openapi.yaml"


def load_spec(path: Path = SPEC) -> dict:
    """The OpenAPI document, as a dict (a fresh one on each call)."""
    return yaml.safe_load(path.read_text())


def not_nan(checker, value) -> bool:
    # Python's JSON parser takes NaN, which JSON has not, and NaN passes
    # every bound. (Infinity and 1e400 do not: the spec's Double refuses them.)
    if not Draft202012Validator.TYPE_CHECKER.is_type(value, "number"):
        return False
    return not (isinstance(value, float) and math.isnan(value))


# JSON Schema 2020-12 (what OpenAPI 3.1 schemas are), NaN not a number.
BodyValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", not_nan),
)


def body_validator(spec: dict, schema: str) -> Draft202012Validator:
    """A validator of ``#/components/schemas/<schema>`` of ``spec``."""
    # "#/components/..." references resolve in this root, which carries them.
    root = {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    return BodyValidator(root)


def body_validators(spec: dict) -> dict[str, Draft202012Validator]:
    """One validator per schema of the spec, by name."""
    return {name: body_validator(spec, name) for name in spec["components"]["schemas"]}


# jsonschema's messages quote the value sent, however big: these do not.
RULES = {
    "type": "must be of type {}",
    "enum": "must be one of {}",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "maxItems": "must have at most {} items",
    "pattern": "must match {}",
}


def problem(validator: Draft202012Validator, body) -> str | None:
    """What is wrong with ``body``, where, as the spec says it; None if valid.

    ``$.runs[3].distance: must be of type number``; at most 300 characters
    (a name the body made up is quoted in the message).
    """
    errors = list(validator.iter_errors(body))
    # A body with a bad field also has "unevaluated" fields (the allOf that
    # failed evaluated none): the bad field is the one to report.
    error = best_match(
        [e for e in errors if e.validator != "unevaluatedProperties"] or errors
    )
    if error is None:
        return None
    rule = RULES.get(error.validator)
    if rule is None:  # required, additional properties: names only
        reason = error.message
    elif error.validator == "type" and isinstance(error.validator_value, list):
        reason = rule.format(" or ".join(error.validator_value))
    else:
        reason = rule.format(error.validator_value)
    return f"{error.json_path}: {reason}"[:300]


class Field(NamedTuple):
    type: str  # JSON Schema's: "integer", "number", "string"...
    required: bool


def fields(spec: dict, schema: str) -> dict[str, Field]:
    """The fields of an object schema (through its ``allOf``), from the spec."""
    found: dict[str, str] = {}
    required: set[str] = set()
    todo = [spec["components"]["schemas"][schema]]
    while todo:
        part = todo.pop(0)
        if "$ref" in part:
            todo.append(spec["components"]["schemas"][part["$ref"].rpartition("/")[2]])
        todo.extend(part.get("allOf", []))
        required.update(part.get("required", []))
        for name, prop in part.get("properties", {}).items():
            types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            found[name] = next(t for t in types if t != "null")
    return {name: Field(kind, name in required) for name, kind in found.items()}


def as_columns(body: dict, schema: dict[str, Field]) -> dict:
    """A valid body's values as the database's columns take them.

    JSON has one kind of number: ``3.0`` is the integer 3, ``3`` the number
    3.0. Absent and null are the same: the column's default applies::

        >>> as_columns({"age": 36.0, "weight": 58, "firstname": None},
        ...            fields(load_spec(), "NewUser"))
        {'age': 36, 'weight': 58.0}
    """
    convert = {"integer": int, "number": float}
    return {
        name: convert.get(schema[name].type, lambda value: value)(value)
        for name, value in body.items()
        if value is not None
    }
