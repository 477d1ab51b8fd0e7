# Source this file (". .ci/postgres.sh") to get a throwaway PostgreSQL cluster for the tests.
#
# Installs PostgreSQL from apt if it is missing, starts a private cluster on a free local port
# with password authentication, exports PIDGIN_TEST_POSTGRES_URL for the test suite and stops
# the cluster (deleting its files) when the sourcing shell exits. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` system user. If PIDGIN_TEST_POSTGRES_URL
# is already set, that server is used and nothing is started.

if [ -z "${PIDGIN_TEST_POSTGRES_URL:-}" ]; then
    if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
        echo "postgres: installing PostgreSQL with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
    pg_home=$(mktemp -d /tmp/pidgin-pg.XXXXXX)
    pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_password="pidgin-ci-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
    printf '%s\n' "$pg_password" >"$pg_home/pwfile"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres "$pg_home"
        pg_as() { runuser -u postgres -- "$@"; }
    else
        pg_as() { "$@"; }
    fi
    chmod 700 "$pg_home"
    pg_as "$pg_bin/initdb" -D "$pg_home/data" -U pidgin --pwfile="$pg_home/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$pg_home/initdb.log"
    rm -f "$pg_home/pwfile"
    pg_as "$pg_bin/pg_ctl" -D "$pg_home/data" -l "$pg_home/server.log" -w \
        -o "-p $pg_port -k $pg_home -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    pg_stop() {
        pg_as "$pg_bin/pg_ctl" -D "$pg_home/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$pg_home"
    }
    trap pg_stop EXIT
    pg_as "$pg_bin/createdb" -h "$pg_home" -p "$pg_port" -U pidgin pidgin_test
    export PIDGIN_TEST_POSTGRES_URL="postgresql://pidgin:${pg_password}@127.0.0.1:${pg_port}/pidgin_test"
    echo "postgres: throwaway cluster on 127.0.0.1:${pg_port} (database pidgin_test)"
fi
