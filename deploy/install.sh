#!/bin/sh
# Install a QMS site server (or, with `agent`, a kiosk PC's print agent) on Debian 12 / Ubuntu 24.04.
#
#   sudo deploy/install.sh            # the site server: user, folders, venv, units, nginx, TLS
#   sudo deploy/install.sh agent      # a Linux kiosk PC: user, venv, print agent unit, udev rule
#
# It never overwrites a file you edited (site.toml, qms.env, kiosk-agent.env, the certificate),
# so it can be run again to upgrade. Variables:
#   DESTDIR           install into this folder instead of / (a throwaway root: nothing of the
#                     machine is touched, no service is reloaded; tests/deploy runs it so)
#   QMS_SERVER_NAME   the site's host name for nginx and the self-signed certificate
#                     (default: this machine's host name)
#   QMS_EXTRAS        pip extras (default: server,postgres,redis for the server; none for the
#                     agent, whose needs are the base install)
#   QMS_PIP_OPTIONS   extra pip options, e.g. "--no-index --find-links /media/usb/wheels"
#   QMS_VENV_OPTIONS  extra venv options
#   PYTHON            the Python that makes the venv (default: python3, 3.11 or newer)
# docs/operations.md walks through it.
set -eu

ROLE=${1:-server}
case "$ROLE" in server|agent) ;; *) echo "usage: $0 [server|agent]" >&2; exit 2 ;; esac
ROOT=${DESTDIR:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
SERVER_NAME=${QMS_SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
if [ "$ROLE" = server ]; then EXTRAS=${QMS_EXTRAS-server,postgres,redis}; else EXTRAS=${QMS_EXTRAS-}; fi
VENV=/opt/qms/venv

say() { printf '==> %s\n' "$*"; }

if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  echo "Run as root (sudo $0 $ROLE), or set DESTDIR to install into a folder." >&2
  exit 1
fi

# -- 1. the qms user and group ---------------------------------------------------------------
say "user and group qms"
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT/etc"
  for f in passwd group shadow gshadow; do [ -e "$ROOT/etc/$f" ] || : > "$ROOT/etc/$f"; done
  PREFIX_OPT="--prefix $ROOT"
else
  PREFIX_OPT=""
fi
# shellcheck disable=SC2086
grep -q '^qms:' "$ROOT/etc/group" || groupadd $PREFIX_OPT --system qms
# shellcheck disable=SC2086
grep -q '^qms:' "$ROOT/etc/passwd" || useradd $PREFIX_OPT --system --gid qms \
  --home-dir /var/lib/qms --no-create-home --shell /usr/sbin/nologin \
  --comment "QMS site server" qms
QMS_UID=$(awk -F: '$1 == "qms" { print $3 }' "$ROOT/etc/passwd")
QMS_GID=$(awk -F: '$1 == "qms" { print $3 }' "$ROOT/etc/group")

# owner, mode, path — numeric ids, so a throwaway root works without the host knowing qms
own() {
  if [ "$(id -u)" = 0 ]; then chown "$1" "$3"; fi
  chmod "$2" "$3"
}
ROOT_QMS="0:$QMS_GID"
QMS_QMS="$QMS_UID:$QMS_GID"

# -- 2. folders ------------------------------------------------------------------------------
say "folders /etc/qms, /var/lib/qms, /opt/qms"
mkdir -p "$ROOT/etc/qms" "$ROOT/var/lib/qms" "$ROOT/opt/qms"
own "$ROOT_QMS" 0750 "$ROOT/etc/qms"          # settings and secrets: qms reads, root writes
own "$QMS_QMS" 0750 "$ROOT/var/lib/qms"       # the instance folder (SQLite store, caches)
if [ "$ROLE" = server ]; then
  say "folders /var/backups/qms, /etc/qms/tls"
  mkdir -p "$ROOT/var/backups/qms" "$ROOT/etc/qms/tls"
  own "$QMS_QMS" 0750 "$ROOT/var/backups/qms"
  own "0:0" 0700 "$ROOT/etc/qms/tls"          # the key is nginx's (read as root), not qms's
fi

# -- 3. the program, in its own virtual environment ------------------------------------------
say "virtual environment $VENV ($PYTHON)"
# shellcheck disable=SC2086
"$PYTHON" -m venv ${QMS_VENV_OPTIONS:-} "$ROOT$VENV"
# shellcheck disable=SC2086
"$ROOT$VENV/bin/python" -m pip install -q ${QMS_PIP_OPTIONS:-} "$SRC${EXTRAS:+[$EXTRAS]}"
rm -rf "$ROOT/opt/qms/docs"
cp -r "$SRC/docs" "$ROOT/opt/qms/docs"
"$ROOT$VENV/bin/qms" --help > /dev/null

install_file() {  # mode owner source destination: only when the destination is not there yet
  if [ -e "$4" ]; then
    say "kept $4 (already there)"
  else
    cp "$3" "$4"
    own "$2" "$1" "$4"
  fi
}

# -- 4. settings, units, device access -------------------------------------------------------
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/etc/udev/rules.d"
cp "$SRC/deploy/udev/70-qms-printers.rules" "$ROOT/etc/udev/rules.d/"
if [ "$ROLE" = agent ]; then
  say "print agent: /etc/qms/kiosk-agent.env, qms-kiosk-agent.service, udev rule"
  install_file 0640 "$ROOT_QMS" "$SRC/deploy/kiosk-agent.env.example" "$ROOT/etc/qms/kiosk-agent.env"
  cp "$SRC/deploy/systemd/qms-kiosk-agent.service" "$ROOT/etc/systemd/system/"
else
  say "server: /etc/qms/site.toml, /etc/qms/qms.env, qms@.service, qms-backup.timer, qms-sync.service, /usr/local/sbin/qms, udev rule"
  if [ ! -e "$ROOT/etc/qms/site.toml" ]; then
    # The demo site to edit, with where this machine keeps its data and how it is reached.
    { cat "$SRC/server/sites/demo.toml"; cat <<TOML

[server]
instance = "/var/lib/qms"
# store = "postgresql://qms:PASSWORD@127.0.0.1:5432/qms"   # the URL deploy/postgres.sh prints
message_queue = "redis://127.0.0.1:6379/0"
public_base_url = "https://$SERVER_NAME"
trusted_proxies = ["127.0.0.1"]                          # nginx on this machine
TOML
    } > "$ROOT/etc/qms/site.toml"
    own "$ROOT_QMS" 0640 "$ROOT/etc/qms/site.toml"
  else
    say "kept /etc/qms/site.toml (already there)"
  fi
  install_file 0640 "$ROOT_QMS" "$SRC/deploy/qms.env.example" "$ROOT/etc/qms/qms.env"
  cp "$SRC/deploy/systemd/qms@.service" "$SRC/deploy/systemd/qms-backup.service" \
    "$SRC/deploy/systemd/qms-backup.timer" "$SRC/deploy/systemd/qms-sync.service" \
    "$ROOT/etc/systemd/system/"
  mkdir -p "$ROOT/usr/local/sbin"
  cp "$SRC/deploy/sbin/qms" "$ROOT/usr/local/sbin/qms"
  own "0:0" 0755 "$ROOT/usr/local/sbin/qms"

  # -- 5. TLS and nginx ----------------------------------------------------------------------
  if [ ! -e "$ROOT/etc/qms/tls/qms.crt" ]; then
    say "self-signed certificate for $SERVER_NAME (replace with your CA's: docs/operations.md)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$SERVER_NAME" \
      -addext "subjectAltName=DNS:$SERVER_NAME" \
      -keyout "$ROOT/etc/qms/tls/qms.key" -out "$ROOT/etc/qms/tls/qms.crt" 2> /dev/null
    own "0:0" 0600 "$ROOT/etc/qms/tls/qms.key"
    own "0:0" 0644 "$ROOT/etc/qms/tls/qms.crt"
  fi
  say "nginx site qms-site for $SERVER_NAME"
  mkdir -p "$ROOT/etc/nginx/sites-available" "$ROOT/etc/nginx/sites-enabled"
  sed "s/server_name qms.example.vn;/server_name $SERVER_NAME;/" \
    "$SRC/deploy/nginx/qms-site.conf" > "$ROOT/etc/nginx/sites-available/qms-site"
  ln -sf ../sites-available/qms-site "$ROOT/etc/nginx/sites-enabled/qms-site"
  # Debian's default site would answer the site's address on port 80 with a welcome page.
  rm -f "$ROOT/etc/nginx/sites-enabled/default"
fi

# -- 6. tell the machine ---------------------------------------------------------------------
if [ -z "$ROOT" ]; then
  systemctl daemon-reload
  udevadm control --reload-rules && udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc || true
  if [ "$ROLE" = server ] && command -v nginx > /dev/null; then
    nginx -t && { systemctl reload nginx 2> /dev/null || systemctl start nginx; }
  fi
fi
say "done ($ROLE). Next: docs/operations.md"
