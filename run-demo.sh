#!/usr/bin/env bash
# The demo site on a fresh machine: a virtual environment in .venv, the server installed in it,
# then `qms serve --demo` (extra options pass through, e.g. --host 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")"
QMS_EXTRAS=server source tools/venv.sh
exec "$VENV/bin/qms" serve --demo "$@"
