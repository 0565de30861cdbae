"""Book: chapter 10, "Running Flask in Docker": the wheels an image installs,
made by wheelhouse.py for the image's Python, whichever Python runs it."""

import subprocess
import sys
import zipfile
from importlib import metadata

import pytest
from packaging import tags
from packaging.utils import parse_wheel_filename

from chapter10.wheelhouse import download, wheelhouse
from testkit.servers import ROOT

# Compiled distributions (psycopg-binary, markupsafe) and pure-Python ones.
WANTED = ["flask", "psycopg[binary]"]


def another_python() -> str:
    """A target that is not the Python running the tests: the image's
    (Debian 12's 3.11.2), or 3.13 when the tests run on 3.11."""
    return "3.13.0" if sys.version_info[:2] == (3, 11) else "3.11.2"


def installable_on(python: str) -> set[tags.Tag]:
    """What the pip of a CPython release ``python`` accepts on this machine."""
    version = tuple(int(part) for part in python.split(".")[:2])
    interpreter = "cp{}{}".format(*version)
    platforms = list(tags.platform_tags())
    return {
        *tags.cpython_tags(version, [interpreter], platforms),
        *tags.compatible_tags(version, interpreter, platforms),
    }


# Both download from the package index (pip): not in make quick's offline loop.
@pytest.mark.slow
def test_the_wheels_fit_the_target_python_not_the_one_running(tmp_path):
    target = another_python()
    dest = tmp_path / "wheels"
    command = [sys.executable, "-m", "chapter10.wheelhouse", str(dest), *WANTED]
    result = subprocess.run(
        [*command, "--python", target], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    wheels = {parse_wheel_filename(path.name) for path in dest.glob("*.whl")}
    binary = [wheel for wheel in wheels if any(t.platform != "any" for t in wheel[3])]
    assert {name for name, *_ in binary} >= {"psycopg-binary", "markupsafe"}
    supported = installable_on(target)
    assert [name for name, _, _, found in binary if found.isdisjoint(supported)] == []
    # The versions tested here, whether packed from here or downloaded.
    assert {name: str(version) for name, version, *_ in wheels} == {
        name: metadata.version(name) for name, *_ in wheels
    }


@pytest.mark.slow
def test_a_wheel_not_to_be_had_is_a_clear_error(tmp_path):
    # No psycopg-binary wheel was ever made for Python 3.5.
    with pytest.raises(LookupError) as error:
        download([metadata.distribution("psycopg-binary")], "3.5.0", tmp_path)
    version = metadata.version("psycopg-binary")
    assert str(error.value).startswith(
        f"no wheel of psycopg-binary=={version} for Python 3.5.0 here"
    )
    assert list(tmp_path.iterdir()) == []


def test_only_this_runs_wheels_are_left(tmp_path):
    # A wheel of an earlier run, for another Python, would be a choice for
    # the image's pip; a wheel given from the folder itself stays.
    stale = tmp_path / "itsdangerous-0.1-cp313-cp313-linux_x86_64.whl"
    stale.write_bytes(b"")
    given = tmp_path / "mine-1.0-py3-none-any.whl"
    with zipfile.ZipFile(given, "w") as wheel:  # needs nothing
        wheel.writestr("mine-1.0.dist-info/METADATA", "Name: mine\nVersion: 1.0\n")
    made = wheelhouse(tmp_path, [given], ["itsdangerous"])
    itsdangerous = f"itsdangerous-{metadata.version('itsdangerous')}-py3-none-any.whl"
    assert [path.name for path in made] == [given.name, itsdangerous]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        itsdangerous,
        given.name,
    ]
