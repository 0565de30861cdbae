"""The repository's own files, for the tests that read them all."""

import os
from collections.abc import Iterator
from pathlib import Path

from testkit.servers import ROOT

# What a walk does not enter: virtual environments (.venv*) and other hidden
# folders, npm's downloads, byte code and what builds make (docs/_build).
# Globbing ``**`` would walk them all (tens of thousands of files) first.
NOT_OURS = ("node_modules", "__pycache__", "_build")


def repository_files() -> Iterator[Path]:
    """Every file of the working tree that is the repository's, sorted."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in NOT_OURS)
        for name in sorted(files):
            yield Path(folder, name)
