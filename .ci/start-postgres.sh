#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster owned by the postgres user (initdb refuses root) on 127.0.0.1:$PGPORT.
# Prints the connection string for LICENSEPORTAL_TEST_POSTGRES. Stop it with .ci/stop-postgres.sh DIR.
set -euo pipefail
# The first free port from 55432 on, unless PGPORT is given (a cluster left running elsewhere must not break the run).
if [ -z "${PGPORT:-}" ]; then
  for PGPORT in $(seq 55432 55531); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null || break
  done
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DIR=$(mktemp -d /tmp/lp-pg-XXXXXX)
chown postgres "$DIR"
su postgres -s /bin/bash -c "$PGBIN/initdb -D $DIR/data -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >$DIR/initdb.log 2>&1 && \
  $PGBIN/pg_ctl -D $DIR/data -o '-p $PGPORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -l $DIR/log -w start >/dev/null"
echo "$DIR" > /tmp/lp-pg-current
echo "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20"
