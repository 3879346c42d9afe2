"""Debian's chromium, driven by Playwright (its own browser download does not work here)."""
import os

from .server_process import ROOT

CHROMIUM = os.environ.get("QMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # The display's sound is unlocked by a touch in real use; tests play at once.
                 "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
