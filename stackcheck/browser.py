"""A real browser: Debian's Chromium driven by Playwright (Playwright's own builds need a download)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these, Chromium keeps trying to reach Google's services on a closed network.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise FileNotFoundError("Chromium is not installed: apt-get install chromium (make setup does it)")
    return path


@contextmanager
def chromium(home: Path | None = None) -> Browser:
    """Chromium; with `home`, the HOME whose NSS database (.pki/nssdb) says which CAs it trusts."""
    env = {**os.environ, "HOME": str(home)} if home else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, env=env)
        try:
            yield browser
        finally:
            browser.close()
