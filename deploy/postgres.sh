#!/bin/sh
# Create the site's PostgreSQL role and database on this machine's PostgreSQL (Debian's
# postgresql package; run as root, it talks to PostgreSQL as the postgres user) and print the
# store URL to put in the [server] table of /etc/qms/site.toml (docs/operations.md, step 3).
#
#   sudo deploy/postgres.sh [DATABASE [ROLE]]     # default: qms qms
#
# Run again, it keeps the database and gives the role a new password (print the new URL).
# PSQL overrides how psql is run; QMS_DB_PASSWORD sets the password (default: random).
set -eu
DB=${1:-qms}
ROLE=${2:-qms}
PSQL=${PSQL:-runuser -u postgres -- psql}
PASSWORD=${QMS_DB_PASSWORD:-$(openssl rand -hex 16)}
case "$DB$ROLE" in *[!a-z0-9_]*) echo "names: lowercase letters, digits, _" >&2; exit 2 ;; esac
$PSQL -v ON_ERROR_STOP=1 -q -d postgres <<SQL
SELECT 'CREATE ROLE $ROLE LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE PASSWORD '$PASSWORD';
SELECT 'CREATE DATABASE $DB OWNER $ROLE ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB')
\gexec
SQL
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:5432/$DB"
