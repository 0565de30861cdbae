"""Book: chapter 10, "Running Flask in Docker": the wheels an image installs.

An image build should not reach the network: it installs from a folder of
wheels with ``pip install --no-index --find-links /wheels`` (a hermetic
build). With a registry at hand the folder is made with ``pip wheel``. Here
the wheels come from the environment the tests already passed in: each
installed distribution a service needs is packed back into a wheel, so the
image runs exactly the versions that were tested, and no network is used.

    >>> from packaging.requirements import Requirement
    >>> sorted(d.metadata["Name"].lower() for d in closure([Requirement("flask")]))
    ['blinker', 'click', 'flask', 'itsdangerous', 'jinja2', 'markupsafe', 'werkzeug']
    >>> wheel_name("Flask", "3.1.3", ["py3-none-any"])
    'flask-3.1.3-py3-none-any.whl'

``python -m chapter10.wheelhouse DEST [WHEEL.whl ...] [REQUIREMENT ...]``
copies the given wheels to DEST and adds what they and the requirements
need, from this environment; ``--python 3.11.2`` names the image's Python
when it differs from this one (the environment markers of the
dependencies are evaluated for it).
"""

import argparse
import base64
import hashlib
import re
import shutil
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
        try:
            dist = found.get(name) or metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LookupError(
                f"{requirement} is needed on Python {python or 'here'} but not "
                f"installed here: pip install {requirement.name}"
            ) from None
        found[name] = dist
        for text in dist.requires or []:
            needed = Requirement(text)
            extras = [""] + sorted(requirement.extras)
            if needed.marker is None or any(
                needed.marker.evaluate({**target, "extra": extra}) for extra in extras
            ):
                pending.append(needed)
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


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
    wheel = Parser().parsestr(Path(dist.locate_file(info / "WHEEL")).read_text())
    name = wheel_name(dist.metadata["Name"], dist.version, wheel.get_all("Tag"))
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


def wheelhouse(dest: Path, wheels=(), requirements=(), python=None) -> list[Path]:
    """Copy ``wheels`` to ``dest`` and add every wheel they and
    ``requirements`` need on ``python``, packed from this environment."""
    dest.mkdir(parents=True, exist_ok=True)
    made = [Path(shutil.copy2(wheel, dest)) for wheel in wheels]
    needed = [Requirement(text) for text in requirements]
    for wheel in wheels:
        needed += requires_of(Path(wheel), python)
    made += [repack(dist, dest) for dist in closure(needed, python)]
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
