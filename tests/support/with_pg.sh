#!/usr/bin/env bash
# with_pg.sh CMD... - runs CMD with a throwaway PostgreSQL cluster (pg_cluster.sh):
# MAMORI_TEST_PG_URL names an empty database in it; the cluster is removed afterwards.
set -u
. "$(dirname "$0")/pg_cluster.sh"
T=$(mktemp -d)
trap 'pg_cluster_stop; rm -rf "$T"' EXIT
pg_cluster_start "$T" || { echo "with_pg: could not start PostgreSQL" >&2; exit 1; }
MAMORI_TEST_PG_URL=$PG_URL "$@"
