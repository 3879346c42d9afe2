#!/bin/sh
# The Debian 12 / Ubuntu 24.04 packages a site server needs (or, with `agent`, a Linux kiosk
# PC running the print agent): step 1 of docs/operations.md. Installs only what is missing, so
# running it again does nothing; tests/run.sh runs it before the tests (CI).
#
#   sudo deploy/packages.sh            # the site server
#   sudo deploy/packages.sh agent      # a kiosk PC
#   deploy/packages.sh --check [agent] # list what is missing, install nothing (exit 1 if any)
set -eu
CHECK=""
if [ "${1:-}" = "--check" ]; then CHECK=1; shift; fi
ROLE=${1:-server}
case "$ROLE" in
  # python3-venv: the program lives in its own venv (install.sh); openssl makes the
  # self-signed certificate; PostgreSQL is the store, Redis the message queue of several
  # processes, nginx the TLS proxy in front of them.
  server) PACKAGES="python3 python3-venv git openssl nginx postgresql redis-server" ;;
  agent) PACKAGES="python3 python3-venv git" ;;
  *) echo "usage: $0 [--check] [server|agent]" >&2; exit 2 ;;
esac
missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q "ok installed" \
    || missing="$missing $package"
done
if [ -z "$missing" ]; then
  echo "==> $ROLE packages: all installed ($PACKAGES)"
  exit 0
fi
if [ -n "$CHECK" ]; then
  echo "==> $ROLE packages missing:$missing" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "==> installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
