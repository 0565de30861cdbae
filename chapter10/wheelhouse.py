"""Book: chapter 10, "Running Flask in Docker": the wheels an image installs.

An image build should not reach the network: it installs from a folder of
wheels with ``pip install --no-index --find-links /wheels`` (a hermetic
build). With a registry at hand the folder is made with ``pip wheel``. Here
the wheels come from the environment the tests already passed in: each
installed distribution a service needs is packed back into a wheel, so the
image runs exactly the versions that were tested, and no network is used.

That holds while an installed wheel fits the image's Python. A compiled one
does not: ``psycopg_binary-...-cp313-cp313-manylinux...`` installed here
for Python 3.13 cannot go into an image with Python 3.11. For such a
distribution the same version's wheel for the image's Python (and this
machine's platform) is downloaded from the index with ``pip download``, the
one step that needs the network; with none, or no such wheel, it stops
with the reason.

    >>> from packaging.requirements import Requirement
    >>> sorted(d.metadata["Name"].lower() for d in closure([Requirement("flask")]))
    ['blinker', 'click', 'flask', 'itsdangerous', 'jinja2', 'markupsafe', 'werkzeug']
    >>> wheel_name("Flask", "3.1.3", ["py3-none-any"])
    'flask-3.1.3-py3-none-any.whl'
    >>> python311 = supported_tags("3.11.2")
    >>> fits(["py3-none-any"], python311)
    True
    >>> fits(["cp313-cp313-manylinux_2_17_x86_64"], python311)
    False

``python -m chapter10.wheelhouse DEST [WHEEL.whl ...] [REQUIREMENT ...]``
copies the given wheels to DEST and adds what they and the requirements
need, from this environment; ``--python 3.11.2`` names the image's Python
when it differs from this one: the environment markers of the dependencies
are evaluated for it, and the wheels are chosen by its tags (``cp311``).
DEST ends up with these wheels only: one left by an earlier run (for
another Python, another version) would be a choice for the image's pip.
"""

import argparse
import base64
import hashlib
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

# Fixed timestamps: the same wheels give the same bytes, so podman's layer
# cache knows the COPY of the wheels has not changed.
EPOCH = (1980, 1, 1, 0, 0, 0)
# Written by the installer, not part of a wheel (RECORD is made anew).
INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def closure(
    requirements: list[Requirement], python: str | None = None
) -> list[metadata.Distribution]:
    """The installed distributions ``requirements`` need, transitively, on
    ``python`` (the image's version, ``3.11.2``; default: this one's)."""
    target = target_environment(python)
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset]] = set()
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        dist = found[name] = found.get(name) or installed(requirement, python)
        pending += requires(dist, requirement.extras, target)
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def installed(requirement: Requirement, python: str | None) -> metadata.Distribution:
    """The installed distribution of ``requirement``; a LookupError that
    says how to install it when there is none."""
    try:
        return metadata.distribution(canonicalize_name(requirement.name))
    except metadata.PackageNotFoundError:
        raise LookupError(
            f"{requirement} is needed on Python {python or 'here'} but not "
            f"installed here: pip install {requirement.name}"
        ) from None


def requires(
    dist: metadata.Distribution, extras: set[str], target: dict[str, str]
) -> list[Requirement]:
    """What ``dist`` with these ``extras`` needs on the target Python."""
    needed = []
    for text in dist.requires or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(
            marker.evaluate({**target, "extra": extra})
            for extra in ["", *sorted(extras)]
        ):
            needed.append(requirement)
    return needed


def target_environment(python: str | None) -> dict[str, str]:
    """Marker values for another Python: ``redis`` needs ``async-timeout``
    below 3.11.3, so Debian 12's 3.11.2 needs what a newer 3.11 does not.

    >>> target_environment("3.11.2")
    {'python_full_version': '3.11.2', 'python_version': '3.11'}
    """
    if python is None:
        return {}
    return {
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
    }


def supported_tags(python: str | None = None) -> set[tags.Tag]:
    """The wheel tags CPython ``python`` (``3.11.2``) installs on this
    machine's platforms, as its pip sees them; default: this interpreter's."""
    if python is None:
        return set(tags.sys_tags())
    major, minor = (int(part) for part in python.split(".")[:2])
    interpreter = f"cp{major}{minor}"
    # The ABI named, not left to packaging: it would read this interpreter's
    # build (a debug one adds cp311d). cpython_tags adds abi3 and none.
    platforms = list(tags.platform_tags())
    return {
        *tags.cpython_tags((major, minor), [interpreter], platforms),
        *tags.compatible_tags((major, minor), interpreter, platforms),
    }


def fits(tag_lines: list[str], supported: set[tags.Tag]) -> bool:
    """Whether a wheel with these ``Tag`` lines installs where ``supported``."""
    return any(not tags.parse_tag(line).isdisjoint(supported) for line in tag_lines)


def wheel_tags(dist: metadata.Distribution) -> list[str]:
    """The ``Tag`` lines of an installed distribution's WHEEL file."""
    wheel = Parser().parsestr(dist.read_text("WHEEL") or "")
    return wheel.get_all("Tag") or []


def wheel_name(name: str, version: str, tags: list[str]) -> str:
    """The wheel's file name, tags compressed as ``py2.py3-none-any``."""
    parts: list[list[str]] = [[], [], []]
    for tag in tags:
        for part, value in zip(parts, tag.split("-"), strict=True):
            if value not in part:
                part.append(value)
    tag = "-".join(".".join(part) for part in parts)
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-{tag}.whl"


def repack(dist: metadata.Distribution, dest: Path) -> Path:
    """Pack an installed distribution back into a wheel in ``dest``."""
    files = [
        path
        for path in dist.files or []
        # Scripts (../../bin) are made again by pip from entry_points.txt.
        if not path.parts[0] == ".."
        and "__pycache__" not in path.parts
        and not (
            path.parent.name.endswith(".dist-info") and path.name in INSTALLER_FILES
        )
    ]
    info = next(p.parent for p in files if p.parent.name.endswith(".dist-info"))
    name = wheel_name(dist.metadata["Name"], dist.version, wheel_tags(dist))
    record = []
    target = dest / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files, key=lambda p: (p.parent == info, str(p))):
            data = Path(dist.locate_file(path)).read_bytes()
            _write(archive, path.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            record.append(f"{path.as_posix()},sha256={digest.rstrip(b'=').decode()},")
            record[-1] += str(len(data))
        record.append(f"{info.as_posix()}/RECORD,,")
        _write(archive, f"{info.as_posix()}/RECORD", "\n".join(record + [""]).encode())
    return target


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name, EPOCH)
    entry.external_attr = 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, data)


def requires_of(wheel: Path, python: str | None = None) -> list[Requirement]:
    """The ``Requires-Dist`` of a wheel file (no extras asked for)."""
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(meta).decode())
    requirements = [
        Requirement(text) for text in headers.get_all("Requires-Dist") or []
    ]
    target = target_environment(python)
    return [r for r in requirements if r.marker is None or r.marker.evaluate(target)]


def download(
    dists: list[metadata.Distribution], python: str, dest: Path
) -> dict[str, Path]:
    """The same versions' wheels for CPython ``python`` on this machine's
    platforms, from the index into ``dest``, by canonical name."""
    if not dists:
        return {}
    major, minor = python.split(".")[:2]
    pins = [f"{dist.metadata['Name']}=={dist.version}" for dist in dists]
    platforms = [arg for tag in tags.platform_tags() for arg in ("--platform", tag)]
    with tempfile.TemporaryDirectory(prefix="wheelhouse-") as folder:
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--disable-pip-version-check", "--only-binary=:all:",
            "--python-version", python, "--implementation", "cp",
            "--abi", f"cp{major}{minor}", *platforms, "--dest", folder, *pins,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise LookupError(
                f"no wheel of {' '.join(pins)} for Python {python} here, and "
                f"pip download could not get one:\n{result.stderr.strip()}"
            )
        found = {}
        for path in Path(folder).glob("*.whl"):
            name = canonicalize_name(parse_wheel_filename(path.name)[0])
            found[name] = Path(shutil.move(path, dest / path.name))
    return found


def copied(wheels, dest: Path) -> list[Path]:
    """``wheels`` copied into ``dest``, where only they stay of the wheels
    there: an earlier run's (another Python's, another version) would be one
    more choice for the image's pip."""
    dest.mkdir(parents=True, exist_ok=True)
    given = [Path(wheel).resolve() for wheel in wheels]
    for old in dest.glob("*.whl"):
        if old.resolve() not in given:
            old.unlink()
    return [
        wheel if wheel.parent == dest.resolve() else Path(shutil.copy2(wheel, dest))
        for wheel in given
    ]


def wheelhouse(dest: Path, wheels=(), requirements=(), python=None) -> list[Path]:
    """Copy ``wheels`` to ``dest`` and add every wheel they and
    ``requirements`` need on ``python``: packed from this environment when
    the installed one fits that Python, else the same version downloaded."""
    made = copied(wheels, dest)
    needed = [Requirement(text) for text in requirements]
    for wheel in wheels:
        needed += requires_of(Path(wheel), python)
    dists = closure(needed, python)
    supported = supported_tags(python)
    # Installed for this Python, a compiled wheel may not install on that one.
    foreign = [dist for dist in dists if not fits(wheel_tags(dist), supported)]
    downloaded = download(foreign, python or platform.python_version(), dest)
    for dist in dists:
        if dist in foreign:
            made.append(downloaded[canonicalize_name(dist.metadata["Name"])])
        else:
            made.append(repack(dist, dest))
    return made


def main() -> None:
    parse = argparse.ArgumentParser(prog="python -m chapter10.wheelhouse")
    parse.add_argument("dest", type=Path)
    parse.add_argument("wanted", nargs="+", help="wheel files and requirements")
    parse.add_argument("--python", help="the image's Python version, e.g. 3.11.2")
    args = parse.parse_args()
    wheels = [arg for arg in args.wanted if arg.endswith(".whl")]
    requirements = [arg for arg in args.wanted if not arg.endswith(".whl")]
    try:
        made = wheelhouse(args.dest, wheels, requirements, args.python)
    except LookupError as error:
        sys.exit(str(error))
    for path in made:
        print(path.name)


if __name__ == "__main__":
    main()
