"""Book: chapter 8, "Using Bower, npm, and Babel": vendored, pinned, checked.

The front end has no build step: Preact and htm are ES modules copied from
the npm registry's tarballs (``npm pack preact@11.2.0``) into
``static/vendor/``, with their licences. ``manifest.json`` records where each
file came from and its SHA-256; these tests hold the files to it, so a file
edited by hand, or swapped, fails here. The tests' own tool, axe-core (the
accessibility checker the Chromium tests inject into the page), is vendored
the same way in ``tests/vendor/``, never served by the dashboard.
"""

import hashlib
import json
import re
from pathlib import Path

import pytest

import chapter08.dashboard

STATIC = Path(chapter08.dashboard.__file__).parent / "static"
VENDOR = STATIC / "vendor"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())
TEST_VENDOR = Path(__file__).parent / "vendor"
# Each vendor folder, with its manifest: the page's libraries, the tests' tools.
VENDORS = {
    folder: json.loads((folder / "manifest.json").read_text())
    for folder in (VENDOR, TEST_VENDOR)
}
FILES = [
    (folder, entry) for folder, found in VENDORS.items() for entry in found["files"]
]
PACKAGES = [
    (folder, name) for folder, found in VENDORS.items() for name in found["packages"]
]


@pytest.mark.parametrize(
    "folder, entry", FILES, ids=[entry["file"] for _, entry in FILES]
)
def test_vendored_file_matches_its_recorded_hash(folder, entry):
    content = (folder / entry["file"]).read_bytes()
    assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    name, version = entry["name"], entry["version"]
    assert entry["from"] == (
        f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
    )
    # One folder per package and exact version: an upgrade is a new folder.
    assert entry["file"].startswith(f"{name}-{version}/")


@pytest.mark.parametrize("folder", VENDORS, ids=lambda folder: folder.parent.name)
def test_every_vendored_file_is_in_the_manifest(folder):
    on_disk = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != "manifest.json"
    }
    assert on_disk == {entry["file"] for entry in VENDORS[folder]["files"]}


@pytest.mark.parametrize("folder, name", PACKAGES, ids=[name for _, name in PACKAGES])
def test_each_package_comes_with_its_licence(folder, name):
    package = VENDORS[folder]["packages"][name]
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"])  # exact, no range
    licence = folder / f"{name}-{package['version']}" / "LICENSE"
    text = licence.read_text()
    expected = {
        "MIT": "The MIT License",
        "Apache-2.0": "Apache License",
        "MPL-2.0": "Mozilla Public License",
    }
    assert expected[package["license"]] in text


def test_axe_is_the_version_its_folder_says():
    """The Chromium tests load axe from here (``AXE`` in their helpers)."""
    [entry] = [e for e in VENDORS[TEST_VENDOR]["files"] if e["file"].endswith(".js")]
    banner = (TEST_VENDOR / entry["file"]).read_text()[:200]
    assert banner.startswith(f"/*! axe v{entry['version']}\n")


def test_our_modules_import_the_vendored_files_by_relative_path():
    """No bare specifier (``from "preact"``): the browser could not resolve it
    without an import map, and an import map is inline script the
    Content-Security-Policy forbids."""
    imports = []
    for module in (STATIC / "js").glob("*.mjs"):
        imports += re.findall(r'from "([^"]+)"', module.read_text())
    assert imports
    assert all(path.startswith("./") or path.startswith("../") for path in imports)
    vendored = {path for path in imports if "/vendor/" in path}
    assert vendored == {
        "../vendor/preact-11.2.0/preact.mjs",
        "../vendor/htm-3.1.1/htm.mjs",
    }
    for entry in MANIFEST["files"]:
        if entry["file"].endswith(".mjs"):
            # The vendored modules themselves import nothing (no bare
            # specifier hides in them either).
            assert "import" not in (VENDOR / entry["file"]).read_text()
