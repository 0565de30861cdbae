"""Book: chapter 8, "Using Bower, npm, and Babel": vendored, pinned, checked.

The front end has no build step: Preact and htm are ES modules copied from
the npm registry's tarballs (``npm pack preact@11.2.0``) into
``static/vendor/``, with their licences. ``manifest.json`` records where each
file came from and its SHA-256; these tests hold the files to it, so a file
edited by hand, or swapped, fails here.
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


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda entry: entry["file"])
def test_vendored_file_matches_its_recorded_hash(entry):
    content = (VENDOR / entry["file"]).read_bytes()
    assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    name, version = entry["name"], entry["version"]
    assert entry["from"] == (
        f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
    )
    # One folder per package and exact version: an upgrade is a new folder.
    assert entry["file"].startswith(f"{name}-{version}/")


def test_every_vendored_file_is_in_the_manifest():
    on_disk = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "manifest.json"
    }
    assert on_disk == {entry["file"] for entry in MANIFEST["files"]}


@pytest.mark.parametrize("name", sorted(MANIFEST["packages"]))
def test_each_package_comes_with_its_licence(name):
    package = MANIFEST["packages"][name]
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"])  # exact, no range
    licence = VENDOR / f"{name}-{package['version']}" / "LICENSE"
    text = licence.read_text()
    expected = {"MIT": "The MIT License", "Apache-2.0": "Apache License"}
    assert expected[package["license"]] in text


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
