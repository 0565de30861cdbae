"""Using Bandit linter: the command of ``make lint`` finds nothing at medium
or high severity, and each deliberately vulnerable example says why Bandit
must let it be, in place."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# ``make lint`` runs this (with ``python -m bandit``), from the repository root.
BANDIT_ARGS = [
    "-q",
    "-r",
    *sorted(path.name for path in ROOT.glob("chapter[0-9]*") if path.is_dir()),
    "fakestrava",
    "-x",
    "*/tests/*",
    "--severity-level",
    "medium",
]

# The examples that must stay vulnerable: (file, Bandit test id).
DELIBERATE = {
    ("chapter07/secure_code/sql_injection.py", "B608"),
    ("chapter07/secure_code/unsafe_yaml.py", "B506"),
    ("chapter07/secure_code/shell_command.py", "B602"),
}
NOSEC = re.compile(r"#\s*nosec\b(?P<ids>[^#]*)")


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "bandit", *BANDIT_ARGS, "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    return [
        {key: result[key] for key in ("filename", "line_number", "test_id")}
        for result in report["results"]
    ]


@pytest.mark.slow
def test_bandit_finds_nothing_in_chapter07(findings):
    assert [f for f in findings if f["filename"].startswith("chapter07/")] == []


@pytest.mark.slow
def test_bandit_finds_nothing_in_any_chapter(findings):
    assert findings == []


def nosec_lines(path: Path):
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        match = NOSEC.search(line)
        if match:
            yield number, line, lines[number - 2], match["ids"].split()


def test_each_nosec_names_its_test_and_gives_a_reason():
    marked = set()
    for path in sorted((ROOT / "chapter07").rglob("*.py")):
        if "tests" in path.parts:
            continue
        for number, line, before, ids in nosec_lines(path):
            where = f"{path.relative_to(ROOT)}:{number}"
            # A bare "# nosec" would silence every test on the line.
            assert ids and all(re.fullmatch(r"B\d{3}", i) for i in ids), where
            assert "Deliberately vulnerable" in before + line, where
            marked |= {(str(path.relative_to(ROOT)), i) for i in ids}
    assert marked == DELIBERATE
