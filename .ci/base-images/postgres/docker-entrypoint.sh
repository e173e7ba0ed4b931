#!/usr/bin/env bash
# Entrypoint of abi-local/postgres:15-bookworm, the local stand-in for the
# official postgres image. It follows the official image's documented
# contract so that a Compose file works unchanged with either image:
#
#   POSTGRES_PASSWORD   superuser password; required unless
#                       POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER       superuser name (default: postgres)
#   POSTGRES_DB         database created on first start (default: $POSTGRES_USER)
#   POSTGRES_INITDB_ARGS  extra initdb arguments, e.g. "--data-checksums"
#   POSTGRES_HOST_AUTH_METHOD  auth for host connections (default: the
#                       server's password_encryption, i.e. scram-sha-256)
#   PGDATA              data directory (default /var/lib/postgresql/data)
#   *_FILE              POSTGRES_PASSWORD_FILE etc. read the value from a file
#                       (Docker/Compose secrets)
#
# On an empty PGDATA: initdb, `host all all all <auth>` in pg_hba.conf, then a
# socket-only temporary server runs /docker-entrypoint-initdb.d/*.sql,
# *.sql.gz, *.sql.xz and *.sh (executable ones are run, others sourced) in
# name order, once. Arguments starting with "-" are passed to `postgres`
# (`docker run IMAGE -c max_connections=200`), as is `postgres ...` itself.
# Started as root, it fixes ownership and re-executes itself as `postgres`.
set -euo pipefail

log() {
    printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2
}

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE.
file_env() {
    local var="$1" file_var="${1}_FILE" def="${2:-}" val
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        log "error: both $var and $file_var are set (but are exclusive)"
        exit 1
    fi
    val="$def"
    if [ -n "${!var:-}" ]; then
        val="${!var}"
    elif [ -n "${!file_var:-}" ]; then
        val="$(<"${!file_var}")"
    fi
    export "$var"="$val"
    unset "$file_var"
}

setup_env() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    : "${POSTGRES_HOST_AUTH_METHOD:=}"
    export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
    DATABASE_ALREADY_EXISTS=""
    if [ -s "$PGDATA/PG_VERSION" ]; then
        DATABASE_ALREADY_EXISTS=true
    fi
}

# Runs as root (first pass) or as postgres; errors are ignored where the
# official image ignores them too (e.g. a read-only bind mount that is
# already correct).
create_db_directories() {
    mkdir -p "$PGDATA"
    chmod 00700 "$PGDATA" || :
    mkdir -p /var/run/postgresql || :
    chmod 03775 /var/run/postgresql || :
    if [ "$(id -u)" = 0 ]; then
        find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
        find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
    fi
}

verify_minimum_env() {
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOM
        exit 1
    fi
    if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
        log "WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every host connection is accepted without a password"
    fi
}

init_database_dir() {
    # The password goes through a pipe, never onto a command line (ps).
    # POSTGRES_INITDB_ARGS is split on spaces on purpose, like the official
    # image ("--data-checksums --locale=C").
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        $POSTGRES_INITDB_ARGS
}

# Host connections (any address: other containers, the docker-proxy of a
# published port) need a password; local socket connections stay "trust"
# as initdb set them, which is what the official image does too.
setup_hba_conf() {
    if [ "${1:-}" = postgres ]; then
        shift
    fi
    local auth="$POSTGRES_HOST_AUTH_METHOD"
    if [ -z "$auth" ]; then
        auth="$(postgres -C password_encryption "$@")"
    fi
    {
        printf '\n'
        if [ "$auth" = trust ]; then
            printf '# warning trust is enabled for all connections\n'
        fi
        printf 'host all all all %s\n' "$auth"
    } >>"$PGDATA/pg_hba.conf"
}

# Temporary server for the init scripts: unix socket only (listen_addresses
# empty), so nothing can connect over TCP before initialisation is complete
# and a healthcheck cannot report "ready" too early.
temp_server_start() {
    if [ "${1:-}" = postgres ]; then
        shift
    fi
    set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
    PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

temp_server_stop() {
    PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

process_sql() {
    local query_runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    if [ -n "${POSTGRES_DB:-}" ]; then
        query_runner+=(--dbname "$POSTGRES_DB")
    fi
    PGHOST='' PGHOSTADDR='' "${query_runner[@]}" "$@"
}

setup_db() {
    local exists db="$POSTGRES_DB"
    # psql variables (:'db', :"db") quote the name safely; they are not
    # expanded in -c, hence the query on stdin.
    exists="$(printf '%s\n' "SELECT 1 FROM pg_database WHERE datname = :'db' ;" |
        POSTGRES_DB='' process_sql --dbname postgres --set db="$db" --tuples-only)"
    if [[ "$exists" != *1* ]]; then
        printf '%s\n' 'CREATE DATABASE :"db" ;' |
            POSTGRES_DB='' process_sql --dbname postgres --set db="$db"
        log "created database $db"
    fi
}

process_init_files() {
    local f
    for f in "$@"; do
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then
                    log "running $f"
                    "$f"
                else
                    log "sourcing $f"
                    # Sourced scripts were written for the official image,
                    # whose entrypoint does not use `set -u`.
                    set +u
                    # shellcheck disable=SC1090
                    . "$f"
                    set -u
                fi
                ;;
            *.sql)
                log "running $f"
                process_sql -f "$f"
                ;;
            *.sql.gz)
                log "running $f"
                gunzip -c "$f" | process_sql
                ;;
            *.sql.xz)
                log "running $f"
                xzcat "$f" | process_sql
                ;;
            *.sql.zst)
                log "running $f"
                zstd -dc "$f" | process_sql
                ;;
            *) log "ignoring $f" ;;
        esac
    done
}

# `postgres --help`, `-V` etc. must not trigger an initdb.
want_help() {
    local arg
    for arg; do
        case "$arg" in
            -'?' | --help | --describe-config | -V | --version) return 0 ;;
        esac
    done
    return 1
}

main() {
    if [ "${1:-}" = "" ] || [ "${1:0:1}" = '-' ]; then
        set -- postgres "$@"
    fi

    if [ "$1" = postgres ] && ! want_help "$@"; then
        setup_env
        create_db_directories
        if [ "$(id -u)" = 0 ]; then
            # The server refuses to run as root: drop to postgres and start
            # this script over (environment is kept by gosu).
            exec gosu postgres "${BASH_SOURCE[0]}" "$@"
        fi

        if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
            verify_minimum_env
            # Fail early with a clear message when the init dir is unreadable.
            ls /docker-entrypoint-initdb.d/ >/dev/null
            init_database_dir
            setup_hba_conf "$@"
            # For init scripts that connect over TCP themselves.
            export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
            temp_server_start "$@"
            setup_db
            shopt -s nullglob
            process_init_files /docker-entrypoint-initdb.d/*
            shopt -u nullglob
            temp_server_stop
            unset PGPASSWORD
            log "PostgreSQL init process complete; ready for start up."
        else
            log "PostgreSQL Database directory appears to contain a database; Skipping initialization"
        fi
    fi

    exec "$@"
}

main "$@"
