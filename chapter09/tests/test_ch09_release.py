"""Releasing and distributing: twine uploads to a real package index on
loopback (pypiserver), pip installs ``runnerly-dataservice==1.0.0`` from it
in a clean environment (chapter 9, "Releasing", "Distributing")."""

import subprocess
import sys

import pytest
from uv import find_uv_bin

from chapter09.deploy import LOCKS, install_lock, run
from chapter09.tests.helpers import outside_env
from testkit.ports import free_port

pytestmark = pytest.mark.integration


def test_upload_then_install_from_the_index(c9_dist, server_process, tmp_path):
    packages = tmp_path / "packages"
    packages.mkdir()
    # "-a . -P .": no authentication, acceptable on loopback only.
    port = free_port()
    index = server_process(
        [sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1",
         "--port", str(port), "--disable-fallback", "-a", ".", "-P", ".",
         str(packages)],
        port=port,
    )  # fmt: skip
    built = c9_dist["dataservice"]
    upload = subprocess.run(
        [sys.executable, "-m", "twine", "upload", "--non-interactive",
         "--repository-url", f"{index.url}/", "-u", "runnerly", "-p", "unused",
         str(built["sdist"]), str(built["wheel"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert upload.returncode == 0, upload.stdout + upload.stderr
    assert sorted(path.name for path in packages.iterdir()) == sorted(
        [built["sdist"].name, built["wheel"].name]
    )

    # A clean environment: the lock (exact versions, hashes), as every
    # service gets it, then the service from our index, by name and version.
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    run([find_uv_bin(), "venv", "-q", "--python", sys.executable, str(venv)])
    install_lock(venv, LOCKS / "dataservice.txt")
    run([find_uv_bin(), "pip", "install", "-q", "--python", python, "--no-deps",
         "--index-url", f"{index.url}/simple/",
         "runnerly-dataservice==1.0.0"])  # fmt: skip
    version = subprocess.run(
        [venv / "bin" / "runnerly-dataservice", "--version"],
        capture_output=True, text=True, cwd=tmp_path, env=outside_env(),
    )  # fmt: skip
    assert version.stdout.strip() == "1.0.0"
