"""Book: chapter 7, "Asserting incoming data": a shell command built from input.

With ``shell=True`` the command line goes to ``/bin/sh``, which reads ``;``,
``$(...)`` and backquotes in the input as more commands. A list of
arguments runs one program and hands it the input as one argument, whatever
it contains::

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = tempfile.mkdtemp()
    >>> _ = (Path(folder) / "run.gpx").write_text("<gpx>\\n</gpx>\\n")
    >>> safe_count_lines(folder, "run.gpx")
    2
"""

import subprocess


def vulnerable_count_lines(folder: str, name: str) -> int:
    command = f"wc -l < {name}"
    # Deliberately vulnerable (the lesson): the shell runs what the name holds.
    done = subprocess.run(  # nosec B602
        command, shell=True, cwd=folder, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[0])


def safe_count_lines(folder: str, name: str) -> int:
    # One program, the name as one argument ("--": never read as an option).
    done = subprocess.run(
        ["wc", "-l", "--", name], cwd=folder, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[0])
