"""tox: the chapter's tox.ini expands to what each env should run.

Book: chapter 3, "Using pytest and Tox". A full tox run builds fresh
virtualenvs from the network, too slow and too online for the suite;
``tox config`` reads and expands the whole file without building anything.
(The README runs ``tox --listenvs-all``, which shows each env's description.)
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOX = [str(Path(sys.executable).with_name("tox")), "-c", "chapter03/tox.ini"]


def tox(*args: str) -> str:
    result = subprocess.run(
        [*TOX, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_tox_envs_run_from_the_root_with_the_pinned_requirements():
    keys = ["change_dir", "commands", "deps", "skip_install"]
    config = tox("config", "-e", "tests,lint,docs", "-k", *keys)
    # The commands name paths from the root, where the code imports.
    assert config.count(f"change_dir = {ROOT / 'chapter03' / '..'}") == 3
    requirements = ROOT / "chapter03" / ".." / "requirements.txt"
    assert config.count(f"-r {requirements}") == 3
    # Not a package: tox must not try to build and install the chapter.
    assert config.count("skip_install = True") == 3
    assert "commands = pytest chapter03" in config
    assert "ruff format --check chapter03" in config
    assert "sphinx-build -W --keep-going -b html chapter03/docs" in config
