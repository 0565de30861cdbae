"""Book: chapter 10, "Running Flask in Docker": an image built and run.

The fake Strava's image proves the pattern every Runnerly image follows:
built with podman from wheels with no network, on the local base image, run
read-only on the host's loopback network as a user that is not root.
"""

import json
import urllib.error
import urllib.request

import pytest

RUN_AS = "10001"


def test_the_service_answers_from_its_container(fakestrava_container):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(fakestrava_container.url + "/api/v3/athlete")
    assert refused.value.code == 401
    assert json.load(refused.value)["message"] == "Authorization Error"


def test_the_images_healthcheck_passes(fakestrava_container):
    assert fakestrava_container.healthcheck()


def test_the_service_does_not_run_as_root(
    podman, fakestrava_image, fakestrava_container
):
    assert podman.inspect(fakestrava_image)["Config"]["User"] == RUN_AS
    assert fakestrava_container.exec("id", "-u").strip() == RUN_AS


def test_the_root_filesystem_is_read_only(fakestrava_container):
    result = fakestrava_container.podman.run(
        "exec", fakestrava_container.name, "touch", "/opt/venv/x", check=False
    )
    assert "Read-only file system" in result.stderr


def test_no_compiler_and_no_pip_in_the_final_image(fakestrava_container):
    tools = fakestrava_container.exec(
        "python3", "-c",
        "import shutil; print([shutil.which(t) for t in ('gcc', 'cc', 'pip', 'pip3')])",
    )  # fmt: skip
    assert tools.strip() == "[None, None, None, None]"


def test_it_stops_within_seconds_of_sigterm(podman, fakestrava_image, run_container):
    from chapter10.tests.helpers import on_loopback

    container = run_container(fakestrava_image, **on_loopback())
    container.wait_for("/api/v3/athlete", expect=401)
    # gunicorn, PID 1 here, handles SIGTERM: no SIGKILL after the 10 s grace.
    assert container.stop(timeout=10) < 5
    assert podman.inspect(container.name, "container")["State"]["ExitCode"] == 0


# Builds and reads images, starts no container.
@pytest.mark.slow
def test_no_key_or_local_settings_in_any_layer(podman, base_image, fakestrava_image):
    assert podman.secrets_in(fakestrava_image, skip_base=base_image) == []


@pytest.mark.slow
def test_the_scan_finds_a_key_copied_into_an_image(
    podman, base_image, fakestrava_image, tmp_path
):
    """What the book's Dockerfile did (COPY of the private key): found."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "key.pem").write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "Dockerfile").write_text(
        f"FROM {fakestrava_image}\nCOPY instance/key.pem /opt/runnerly/key.txt\n"
    )
    leaky = podman.build(
        "localhost/runnerly-leaky:ch10", tmp_path / "Dockerfile", tmp_path
    )
    try:
        assert podman.secrets_in(leaky, skip_base=fakestrava_image) == [
            "opt/runnerly/key.txt"
        ]
    finally:
        podman.run("rmi", "--force", leaky, check=False)


# The stand-ins for the official nginx, Redis and PostgreSQL images (compose).
@pytest.mark.slow
@pytest.mark.parametrize("name", ["nginx", "redis", "postgres"])
def test_no_key_in_the_standin_images_base_included(podman, standin_images, name):
    # Every layer, the base's too: Debian's ssl-cert makes a snakeoil key
    # when installed, and the base is where it would be.
    assert podman.secrets_in(standin_images[name]) == []


@pytest.mark.slow
def test_the_redis_standin_does_not_run_as_root(podman, standin_images):
    assert podman.inspect(standin_images["redis"])["Config"]["User"] == "redis"
