"""Which e-mail addresses Runnerly takes (book: chapter 4, "Model").

A user is their e-mail address: the admin's form, the login form and the data
service must take the same ones, in the same normal form, or a user created
by one could not log in with the other. Runnerly stores addresses and sends
no mail, so it checks their syntax only (RFC 5321's mailbox, which is what
``format: email`` means in the data service's OpenAPI spec), as
email-validator reads it, without its opinions on deliverability: no DNS
lookup, a domain may have no dot, and the special-use domains (``.local``,
``.test``, ``.invalid``, ``localhost``...) are domains like any other::

    >>> normalize_email("ada@Runner.LOCAL")
    'ada@runner.local'
    >>> normalize_email("x@example.invalid"), normalize_email("root@localhost")
    ('x@example.invalid', 'root@localhost')
    >>> normalize_email("ada@runner..local")
    Traceback (most recent call last):
      ...
    email_validator.exceptions.EmailSyntaxError: An email address cannot have two ...
"""

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, validate_email


def normalize_email(address: str) -> str:
    """``address`` in its normal form (the domain in lower case).

    Raises ``email_validator.EmailNotValidError``, with the reason, if it is
    not an address.
    """
    # email-validator refuses the special-use names whatever its options (its
    # author's advice is to edit a global list, which would change every
    # caller in the process). So the check runs with a stand-in of the same
    # length in their place, which keeps every other rule, the length limits
    # included, and the name is put back afterwards.
    name = special_use_name(address)
    stand_in = re.sub(r"[^.]", "x", name)
    normalized = validate_email(
        address[: len(address) - len(name)] + stand_in,
        check_deliverability=False,  # no DNS lookup: nothing is sent
        globally_deliverable=False,  # root@localhost has no dot, and is fine
    ).normalized
    return normalized[: len(normalized) - len(name)] + name.lower()


def special_use_name(address: str) -> str:
    """The special-use domain name ``address`` ends with, as written, or ""."""
    for name in SPECIAL_USE_DOMAIN_NAMES:
        head, tail = address[: -len(name)], address[-len(name) :]
        if tail.lower() == name and head.endswith(("@", ".")):
            return tail
    return ""
