#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, then runs them in .venv.
# System packages come from Debian; Playwright drives Debian's chromium (its own browser
# download does not work offline), espeak-ng makes the Vietnamese voice, libzbar0 decodes
# QR codes printed as images, LibreOffice Calc (no GUI, ~190 MB, under a minute) converts the
# reports' .xlsx to check it opens with its Vietnamese intact.
set -euo pipefail
cd "$(dirname "$0")/.."
# The site server's own packages (docs/operations.md, step 1: nginx, openssl, PostgreSQL,
# Redis, python3-venv ...), by the script the operator runs: CI runs that step too.
sh deploy/packages.sh server
need=()
command -v chromium >/dev/null || need+=(chromium)
# The browser tests' Chromium: the headless shell, a third of the full browser's CPU a page
# (tests/support/browser.py); the full one stays for what only it does.
[ -x /usr/lib/chromium/chromium-headless-shell ] || need+=(chromium-headless-shell)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
ldconfig -p | grep -q libzbar.so.0 || need+=(libzbar0)
lean=()  # without their recommends (LibreOffice's would add Java and a desktop's worth)
command -v soffice >/dev/null || lean+=(libreoffice-calc-nogui)
# The deploy tests check the systemd units with systemd-analyze.
command -v systemd-analyze >/dev/null || lean+=(systemd)
command -v pdftoppm >/dev/null || lean+=(poppler-utils)  # the report page printed to PDF, rasterised
if [ $((${#need[@]} + ${#lean[@]})) -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
  [ ${#lean[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${lean[@]}"
fi
# A virtual environment (.venv): Debian's and Ubuntu's own Python refuse pip installs.
QMS_EXTRAS=test source tools/venv.sh
# pytest-xdist spreads the test files over workers. --dist loadfile keeps a file on one
# worker, so a module's shared server or site is started once; the files go out in the order
# tests/conftest.py puts them (slow ones first), not xdist's "most tests first" (many quick
# unit tests are not a long file).
# How many: QMS_TEST_WORKERS if set (0: everything in this process, one test after another,
# for debugging or on a box busy with other work; `-n 0` does the same). Otherwise one more
# than the cores, as most tests wait on a server, a browser or a clock rather than use the CPU
# (a whole run on 2 cores: about 3.5 min with 3 workers). Not read off the load average: the
# package installs just before would make a fresh CI machine look busy.
workers="${QMS_TEST_WORKERS:-$(($(nproc) + 1))}"
echo "tests/run.sh: $workers xdist workers ($(nproc) cores; QMS_TEST_WORKERS=N to choose)" >&2
set +e
if [ "$workers" = 0 ]; then
  "$VENV/bin/python" -m pytest "$@"
else
  "$VENV/bin/python" -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder "$@"
fi
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "tests/run.sh: pytest collected no tests — a test run that runs nothing is a failure" >&2
  exit 1
fi
exit "$status"
