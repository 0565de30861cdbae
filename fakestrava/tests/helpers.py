"""What the fake Strava's tests share besides fixtures."""

from urllib.parse import parse_qs, urlsplit

REDIRECT_URI = "http://127.0.0.1:5000/strava/callback"


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a redirect URL, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def fault(resource: str, field: str, code: str = "invalid") -> list[dict]:
    """The ``errors`` list of a Strava Fault."""
    return [{"resource": resource, "field": field, "code": code}]
