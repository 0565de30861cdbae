"""The proxy's rules as pure functions (book: chapter 3, "Unit tests").

What the proxy adds to the tracker, easy to unit test: nothing here does
I/O, so a test calls these with a dict and checks the dict that comes back,
no server, no mock.

The outside tracker speaks Bugzilla's REST dialect: many statuses, long
records. The proxy offers two states and a short summary instead.
"""

# Bugzilla's statuses, grouped into the two states a client cares about.
OPEN_STATUSES = ("UNCONFIRMED", "NEW", "ASSIGNED", "REOPENED")
CLOSED_STATUSES = ("RESOLVED", "VERIFIED", "CLOSED")
STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "closed": CLOSED_STATUSES,
    "all": OPEN_STATUSES + CLOSED_STATUSES,
}
SEVERITIES = ("minor", "normal", "major", "critical")
PRODUCT = "Runnerly"
MAX_TITLE = 200


class InvalidBug(ValueError):
    """A bug report the proxy refuses before the tracker sees it (a 400)."""


def tracker_statuses(state: str) -> tuple[str, ...]:
    """The tracker statuses behind ``open``, ``closed`` or ``all``.

    Raises :class:`ValueError` for any other state.
    """
    try:
        return STATUS_FILTERS[state]
    except KeyError:
        choices = ", ".join(STATUS_FILTERS)
        raise ValueError(f"status must be one of {choices}, not {state!r}") from None


def state_of(status: str) -> str:
    """``open`` or ``closed`` for a tracker status; ``unknown`` otherwise."""
    if status in OPEN_STATUSES:
        return "open"
    if status in CLOSED_STATUSES:
        return "closed"
    return "unknown"


def summarise(bug: dict) -> dict:
    """The few fields of a tracker record that the proxy's clients use."""
    return {
        "id": bug["id"],
        "title": bug["summary"],
        "state": state_of(bug.get("status", "")),
        "severity": bug.get("severity", "normal"),
        "assignee": bug.get("assigned_to") or None,
        "comments": len(bug.get("comments", [])),
    }


def validate_new_bug(payload: object) -> dict:
    """Check a client's new bug and turn it into the tracker's fields.

    Raises :class:`InvalidBug` with a message for the client.
    """
    if not isinstance(payload, dict):
        raise InvalidBug("the body must be a JSON object")
    unknown = sorted(set(payload) - {"title", "severity"})
    if unknown:
        raise InvalidBug(f"unknown fields: {', '.join(unknown)}")
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        raise InvalidBug("title is required and must be a non-empty string")
    if len(title) > MAX_TITLE:
        raise InvalidBug(f"title is longer than {MAX_TITLE} characters")
    severity = payload.get("severity", "normal")
    if severity not in SEVERITIES:
        raise InvalidBug(f"severity must be one of {', '.join(SEVERITIES)}")
    return {"product": PRODUCT, "summary": title.strip(), "severity": severity}
