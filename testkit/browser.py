"""A real browser for end-to-end tests: headless Chromium driven by Playwright.

The Chromium is the system's (Debian's ``chromium`` package), not one
downloaded by ``playwright install``: the suite runs offline, and the browser
is a real service like Redis or nginx, found with :func:`find_binary` (a
skip with an install hint, or a failure under ``REQUIRE_SERVICES=1``).

Each page gets a fresh profile in a temporary folder, so no cookie, cache or
history leaks from one test to the next, and everything (page, browser,
Playwright's driver process, the folder) is gone when the block ends.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .services import find_binary
from .waiting import wait_until

# The machine has no network: without these, Chromium keeps trying Google's
# hosts (component updates, sync, field trials, QUIC probes) in the background.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # containers and CI runners often forbid its user namespaces
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Milliseconds Playwright waits for a page, an element or an ``expect``: a
# loaded machine can be slow, but a page that never comes should fail the test.
DEFAULT_TIMEOUT_MS = 20_000


@contextmanager
def chromium_page(timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Iterator:
    """``with chromium_page() as page:`` a Playwright ``Page`` in a new Chromium."""
    binary = find_binary("chromium", "sudo apt-get install chromium")
    # Imported here: only browser tests need Playwright.
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="chromium-") as workdir,
        sync_playwright() as playwright,
    ):
        profile = Path(workdir, "profile")
        # Whatever Chromium writes outside the profile goes to the temporary
        # folder too, not to the user's home: its crash handler's database
        # (~/.config/chromium whatever the profile), GTK's dconf cache.
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(Path(workdir, "config")),
            "XDG_CACHE_HOME": str(Path(workdir, "cache")),
        }
        # A persistent context is the way to give Chromium our own
        # user-data-dir; "persistent" for as long as the folder lives.
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=binary,
            headless=True,
            args=CHROMIUM_ARGS,
            env=env,
        )
        try:
            context.set_default_timeout(timeout_ms)
            page = context.pages[0] if context.pages else context.new_page()
            yield page
        finally:
            context.close()  # its own browser: this ends the browser process
            _wait_until_gone(workdir)


def _wait_until_gone(marker: str, timeout: float = 10.0) -> None:
    """Wait for the browser's helper processes to exit.

    Zygotes, renderers and the crash handler carry a path of the temporary
    folder on their command line; the main process is gone already, and
    they follow it within moments.
    """
    with suppress(AssertionError):  # some lingering: no matter
        wait_until(lambda: not _processes_with(marker), timeout, 0.05, marker)


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker.encode() in command:
            found.append(int(entry.name))
    return found
