"""Book: chapter 10, "Introduction to Clustering and Provisioning": the
Kubernetes manifests, validated against a named Kubernetes version's schemas,
and one Deployment run by ``podman kube play``."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testkit.ports import free_port

K8S = Path(__file__).resolve().parent.parent / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
KUBERNETES_VERSION = "1.35.0"
VALIDATE = Path(sys.executable).with_name("kubernetes-validate")


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[tuple[str, str], dict]:
    return {
        (doc["kind"], doc["metadata"]["name"]): doc
        for path in MANIFESTS
        for doc in documents(path)
    }


def validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VALIDATE, "--strict", "--quiet", "-k", KUBERNETES_VERSION, *paths],
        capture_output=True,
        text=True,
    )


def test_every_manifest_is_valid_for_the_named_kubernetes_version():
    result = validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_validation_rejects_a_misspelt_field(tmp_path):
    deployment = resources()[("Deployment", "dataservice")]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(deployment))
    result = validate(bad)
    assert result.returncode != 0
    assert "readinesProbe" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "name", ["dataservice", "tokendealer", "stravaworker", "dashboard", "fakestrava"]
)
def test_each_deployment_is_locked_down(name):
    pod = resources()[("Deployment", name)]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"requests", "limits"} <= set(container["resources"])
    # A read-only root needs a writable /tmp (gunicorn's heartbeat files).
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    if "ports" in container:
        assert "readinessProbe" in container


def test_only_the_stateless_services_scale_out():
    scaled = {
        doc["spec"]["scaleTargetRef"]["name"]
        for (kind, _), doc in resources().items()
        if kind == "HorizontalPodAutoscaler"
    }
    assert scaled == {"dataservice", "dashboard"}


def test_the_secret_holds_placeholders_only():
    secret = resources()[("Secret", "runnerly-secrets")]
    for value in secret["stringData"].values():
        assert "change-me" in value or value.startswith("redis://")


def playable(deployment: dict, image: str, port: int) -> dict:
    """The Deployment as ``podman kube play`` runs it here: on the host's
    network (only loopback is allowed), on a free port, with the local image."""
    spec = deployment["spec"]["template"]["spec"]
    spec["hostNetwork"] = True
    container = spec["containers"][0]
    container["image"] = image
    # Host networking has no port mapping: the port is the process's own.
    del container["ports"]
    container["readinessProbe"]["tcpSocket"]["port"] = port
    container["env"] = [
        {"name": "PORT", "value": str(port)},
        {"name": "GUNICORN_CMD_ARGS", "value": f"--bind=127.0.0.1:{port}"},
    ]
    return deployment


@pytest.mark.integration
def test_podman_kube_play_runs_the_deployment(podman, fakestrava_image, tmp_path):
    from testkit.podman import Container

    port = free_port()
    manifest = tmp_path / "fakestrava.yaml"
    deployment = resources()[("Deployment", "fakestrava")]
    manifest.write_text(yaml.safe_dump(playable(deployment, fakestrava_image, port)))
    podman.run("kube", "play", str(manifest))
    try:
        # podman names the container <deployment>-pod-0-<container>.
        container = Container(podman, "fakestrava-pod-0-fakestrava", port)
        container.wait_for("/api/v3/athlete", expect=401)
        # The manifest's security context, applied.
        assert container.exec("id", "-u").strip() == "10001"
        refused = podman.run("exec", container.name, "touch", "/x", check=False)
        assert "Read-only file system" in refused.stderr
        container.exec("touch", "/tmp/x")
    finally:
        podman.run("kube", "down", str(manifest), check=False)
    gone = podman.run("pod", "exists", "fakestrava-pod-0", check=False)
    assert gone.returncode != 0
