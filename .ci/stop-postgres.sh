#!/usr/bin/env bash
# Stops the cluster started by start-postgres.sh and removes its folder.
set -uo pipefail
DIR=${1:-$(cat /tmp/lp-pg-current 2>/dev/null)}
[ -n "$DIR" ] && [ -d "$DIR" ] || exit 0
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
su postgres -s /bin/bash -c "$PGBIN/pg_ctl -D $DIR/data -m immediate stop >/dev/null 2>&1"
rm -rf "$DIR"
