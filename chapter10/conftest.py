"""Chapter 10 fixtures: podman, the local base image, images built once per
run (cached by podman's layers between runs) and containers started from
them on free loopback ports."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chapter10.machinery.podman import build_context
from chapter10.tests.helpers import IMAGE_TAG, on_loopback
from testkit import podman as podman_kit
from testkit.fixtures import server_fixture

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@pytest.fixture(scope="session")
def podman() -> podman_kit.Podman:
    """podman with this chapter's containers.conf, or skip with the hint."""
    return podman_kit.podman(HERE / "containers.conf")


@pytest.fixture(scope="session")
def base_image(podman) -> str:
    """``localhost/runnerly-base:bookworm``, made once per machine."""
    return podman.base_image()


@pytest.fixture(scope="session")
def base_python(podman, base_image) -> str:
    """The base image's Python version (Debian 12's: 3.11.2): the wheels'
    dependencies are chosen for it, not for the Python running the tests."""
    return podman.python_version(base_image)


def build_wheel(project: Path, dest: Path) -> Path:
    """The project's wheel, built offline with the installed hatchling;
    the same bytes on every run (hatchling's builds are reproducible)."""
    subprocess.run(
        [
            sys.executable, "-m", "build", "--wheel", "--no-isolation",
            "--outdir", str(dest), str(project),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return next(dest.glob("*.whl"))


FAKESTRAVA_PROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "fakestrava"
version = "1.0"
dependencies = ["flask"]

[tool.hatch.build.targets.wheel]
packages = ["fakestrava"]
"""


@pytest.fixture(scope="session")
def fakestrava_wheel(tmp_path_factory) -> Path:
    """The repository's fake Strava as a wheel, built from a throwaway project
    (it is not a distribution of its own)."""
    project = tmp_path_factory.mktemp("fakestrava-project")
    shutil.copytree(
        ROOT / "fakestrava",
        project / "fakestrava",
        ignore=shutil.ignore_patterns("tests", "conftest.py", "__pycache__"),
    )
    (project / "pyproject.toml").write_text(FAKESTRAVA_PROJECT)
    return build_wheel(project, tmp_path_factory.mktemp("fakestrava-dist"))


@pytest.fixture(scope="session")
def fakestrava_image(
    podman, base_image, base_python, fakestrava_wheel, tmp_path_factory
) -> str:
    context = build_context(
        tmp_path_factory.mktemp("fakestrava-image"),
        [fakestrava_wheel],
        ["gunicorn"],
        base_python,
    )
    return podman.build(
        f"localhost/runnerly-fakestrava:{IMAGE_TAG}",
        HERE / "fakestrava.Dockerfile",
        context,
        {"BASE_IMAGE": base_image},
    )


# Chapter 09's projects, one image each.
SERVICES = ("dataservice", "tokendealer", "stravaworker", "dashboard")


@pytest.fixture(scope="session")
def runnerly_image(podman, base_image, base_python, tmp_path_factory):
    """``runnerly_image("dataservice")``: the service's image, built from chapter
    09's wheel (built here, offline) once per run, on the cached layers."""
    build = pytest.importorskip("chapter09.build", reason="chapter 09 not there")
    built: dict[str, str] = {}

    def image(service: str) -> str:
        if service not in built:
            workdir = tmp_path_factory.mktemp(f"{service}-image")
            wheels = build.build(service, workdir / "dist", wheel_only=True)
            built[service] = podman.build(
                f"localhost/runnerly-{service}:{IMAGE_TAG}",
                HERE / f"{service}.Dockerfile",
                build_context(workdir, wheels, python=base_python),
                {"BASE_IMAGE": base_image},
            )
        return built[service]

    return image


NGINX_BASE = "localhost/runnerly-base-nginx:bookworm"


@pytest.fixture(scope="session")
def fullstack_image(podman, base_image, base_python, tmp_path_factory) -> str:
    """The book's one image: nginx, Circus and the data service."""
    build = pytest.importorskip("chapter09.build", reason="chapter 09 not there")
    nginx_base = podman.base_image(NGINX_BASE, (*podman_kit.BASE_PACKAGES, "nginx"))
    workdir = tmp_path_factory.mktemp("fullstack-image")
    wheels = build.build("dataservice", workdir / "dist", wheel_only=True)
    return podman.build(
        f"localhost/runnerly-fullstack:{IMAGE_TAG}",
        HERE / "fullstack" / "fullstack.Dockerfile",
        build_context(workdir, wheels, ["circus"], base_python),
        {"BASE_IMAGE": base_image, "NGINX_BASE_IMAGE": nginx_base},
    )


@server_fixture(scope="session")
def fakestrava_container(podman, fakestrava_image):
    """The fake Strava's image running, read-only, on a free loopback port."""
    container = podman.start(fakestrava_image, **on_loopback())
    try:
        container.wait_for("/api/v3/athlete", expect=401)
        yield container
    finally:
        container.remove()


@server_fixture
def run_container(podman):
    """``run_container(image, env=...)``: a container removed after the test."""
    started: list[podman_kit.Container] = []

    def run(image: str, *command: str, **options) -> podman_kit.Container:
        container = podman.start(image, *command, **options)
        started.append(container)
        return container

    yield run
    for container in started:
        container.remove()


STANDINS = HERE / "standins"


@pytest.fixture(scope="session")
def standin_images(podman) -> dict[str, str]:
    """The local stand-ins for the official nginx (OpenResty), Redis and
    PostgreSQL images that Compose names and no registry here gives: one local
    base with the three Debian packages (made once per machine) and a thin
    image each."""
    base = podman.base_image(
        podman_kit.SERVICES_IMAGE,
        podman_kit.SERVICES_PACKAGES,
        podman_kit.NO_MAIN_CLUSTER,
    )
    return {
        name: podman.build(
            f"localhost/runnerly-{name}:{IMAGE_TAG}",
            STANDINS / f"{name}.Dockerfile",
            STANDINS,
            {"BASE_IMAGE": base},
        )
        for name in ("nginx", "redis", "postgres")
    }
