# Sourced by run-demo.sh and tests/run.sh: a virtual environment in .venv, made with this
# machine's python3 and used for everything after. Debian 12 and Ubuntu 24.04 refuse
# `pip install` into their own Python (PEP 668, "externally managed"); a venv is the way they
# recommend. Its packages come from PyPI; the system's own stay untouched.
# Usage: QMS_EXTRAS=server source tools/venv.sh   ->  $VENV/bin/python, $VENV/bin/qms
VENV="${QMS_VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian ships venv's pip bootstrap in a separate package.
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
  fi
  # Isolated from the machine's own python3-* packages: Debian's python3-openssl (often
  # installed) is older than the cryptography pip brings for Web Push, and eventlet imports
  # whichever OpenSSL it finds — the demo server died at start with "module 'lib' has no
  # attribute 'GEN_EMAIL'". Everything the project needs comes from PyPI into the venv.
  python3 -m venv "$VENV"
fi
# pip re-checks every requirement on each run (10 s idle, a minute on a busy machine), so the
# install is skipped while the package's requirements (setup.cfg, pyproject.toml) and place
# (an editable install points at this folder) are those of the last install with these
# extras; code changes need no install.
# QMS_REINSTALL=1 forces it (e.g. after uninstalling something from the venv by hand).
stamp="$VENV/.qms-installed${QMS_EXTRAS:+-$QMS_EXTRAS}"
wanted="$({ cat setup.cfg pyproject.toml 2>/dev/null || true; } | sha256sum | cut -d' ' -f1) $PWD"
if [ -n "${QMS_REINSTALL:-}" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  # pip -q is silent for minutes on a first install: say what is happening (on stderr, so
  # scripts reading stdout are unaffected).
  echo "Cài đặt / installing qms${QMS_EXTRAS:+[$QMS_EXTRAS]} into $VENV (lần đầu mất vài phút / the first time takes a few minutes)…" >&2
  "$VENV/bin/python" -m pip install -q -e ".${QMS_EXTRAS:+[$QMS_EXTRAS]}"
  echo "$wanted" > "$stamp"
fi
