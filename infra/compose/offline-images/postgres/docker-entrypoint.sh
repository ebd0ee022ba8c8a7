#!/usr/bin/env bash
# Upstream's entrypoint behaviour, for what docker-compose.yml relies on: on an
# empty PGDATA, initdb with POSTGRES_USER/POSTGRES_PASSWORD (or their *_FILE
# forms), create POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sh, *.sql and
# *.sql.gz against a server on the unix socket only, then start the real server,
# which listens on TCP. Unlike upstream's, no .sql.xz/.sql.zst and no
# POSTGRES_INITDB_WALDIR.
set -Eeuo pipefail

# VAR, else the contents of the file VAR_FILE names, else the default; exported for the init scripts.
file_env() {
  local var=$1 file_var=${1}_FILE value=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "error: both $var and $file_var are set (but are exclusive)" >&2
    exit 1
  fi
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    value=$(<"${!file_var}")
  fi
  export "$var=$value"
  unset "$file_var"
}

sql() {
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

run_init_scripts() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh)
        echo "$0: running $f"
        # As upstream: an executable script runs on its own, another is sourced.
        # shellcheck disable=SC1090 # the scripts are the user's
        if [ -x "$f" ]; then "$f"; else . "$f"; fi
        ;;
      *.sql) echo "$0: running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | sql --dbname "$POSTGRES_DB" ;;
      # An empty folder leaves the pattern itself, which is no file: nothing to say.
      *) if [ -e "$f" ]; then echo "$0: ignoring $f"; fi ;;
    esac
  done
}

init_database() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  if [ -z "$POSTGRES_PASSWORD" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as upstream reads it
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  # initdb trusts local and loopback connections; everyone else gives a password.
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
  export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
  # No TCP listener until the init scripts are done: clients (and the compose
  # healthcheck) cannot connect to a half-initialised server.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  if [ "$POSTGRES_DB" != postgres ]; then
    sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  run_init_scripts
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  echo "$0: PostgreSQL init process complete; ready for start up."
}

if [ "${1:0:1}" = - ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
  if [ "$(id -u)" = 0 ]; then
    # A fresh named volume is root's: hand it to postgres, then run as postgres.
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec gosu postgres "$0" "$@"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    init_database
  fi
fi
exec "$@"
