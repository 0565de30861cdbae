"""The GitHub Actions workflow runs what local CI runs.

Book: chapter 3, "Continuous Integration" > "Travis-CI": here a GitHub
Actions workflow. The README checks it against GitHub's published schema,
vendored in check-jsonschema (no network); this test checks what it runs.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def test_the_workflow_runs_ci_run_as_root_from_the_floor_python_up():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    # python:3.1x-... images run as root, which make services needs.
    assert job["container"] == "python:${{ matrix.python }}-bookworm"
    assert job["strategy"]["matrix"]["python"][0] == "3.11"  # the floor
    assert job["steps"][-1]["run"] == "bash .ci/run"
    assert (ROOT / ".ci" / "run").exists()
