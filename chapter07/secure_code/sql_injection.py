"""Book: chapter 7, "Asserting incoming data": SQL injection.

A query built by pasting the input into the SQL lets the input rewrite the
query; a bound parameter (``?``) is always a value, never SQL::

    >>> db = make_database()
    >>> [row["email"] for row in safe_find_runs(db, "runner@example.com")]
    ['runner@example.com']
    >>> safe_find_runs(db, "' OR '1'='1")
    []
    >>> len(vulnerable_find_runs(db, "' OR '1'='1"))  # every user's runs
    3
"""

import sqlite3


def make_database() -> sqlite3.Connection:
    """An in-memory database of runs, of two users."""
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute("CREATE TABLE runs (email TEXT, distance REAL)")
    db.executemany(
        "INSERT INTO runs VALUES (?, ?)",
        [
            ("runner@example.com", 10.0),
            ("admin@example.com", 5.0),
            ("admin@example.com", 21.1),
        ],
    )
    return db


def vulnerable_find_runs(db: sqlite3.Connection, email: str) -> list[sqlite3.Row]:
    quoted = f"'{email}'"  # naive quoting: a quote in the input ends it
    # Deliberately vulnerable (the lesson): the input is pasted into the SQL.
    query = f"SELECT * FROM runs WHERE email = {quoted}"  # nosec B608
    return db.execute(query).fetchall()


def safe_find_runs(db: sqlite3.Connection, email: str) -> list[sqlite3.Row]:
    # The driver sends the value apart from the SQL: it cannot change the query.
    return db.execute("SELECT * FROM runs WHERE email = ?", (email,)).fetchall()
