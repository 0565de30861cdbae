"""The GitHub Actions workflow is valid and runs what local CI runs.

Book: chapter 3, "Continuous Integration". The workflow is checked against
GitHub's published schema, vendored in check-jsonschema (no network).
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.mark.integration
def test_the_workflow_matches_the_published_schema():
    check = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [check, "--builtin-schema", "vendor.github-workflows", WORKFLOW],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_workflow_runs_ci_run_as_root_from_the_floor_python_up():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    # python:3.1x-... images run as root, which make services needs.
    assert job["container"] == "python:${{ matrix.python }}-bookworm"
    assert job["strategy"]["matrix"]["python"][0] == "3.11"  # the floor
    assert job["steps"][-1]["run"] == "bash .ci/run"
    assert (ROOT / ".ci" / "run").exists()
