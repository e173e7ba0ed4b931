#!/usr/bin/env bash
# Start the machine's PostgreSQL 15 (installing it if this machine lacks it) and create
# the superuser role the tests connect as. Idempotent.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null || ! pg_lsclusters 2>/dev/null | grep -q '^15 '; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters | grep -E '^15 +main' | grep -q online; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'abi_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE abi_test LOGIN SUPERUSER PASSWORD 'abi_test'\""
