#!/bin/sh
# The stand-in PostgreSQL image's entry point (see postgres.Dockerfile).
# As root: read the password file (a Compose secret only root may read),
# make the cluster on a first start, then run the command as postgres.
set -eu

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres -m 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        user=${POSTGRES_USER:-postgres}
        pwfile=$(mktemp)
        cat "${POSTGRES_PASSWORD_FILE:?a password file is needed}" > "$pwfile"
        chown postgres "$pwfile"
        # Passwords (SCRAM) over TCP; no password on the container's own socket.
        setpriv --reuid=postgres --regid=postgres --init-groups \
            initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 \
            --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        rm -f "$pwfile"
        # Every address may try: the password decides (as the official image).
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
        if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
            echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$user\"" |
                setpriv --reuid=postgres --regid=postgres --init-groups \
                    postgres --single -D "$PGDATA" postgres >/dev/null
        fi
    fi
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
