#!/usr/bin/env bash
# First-start initialisation of the warehouse-db container (run once, by the postgres
# image's entrypoint, on an empty data directory; a volume that already holds a cluster
# skips it: `make clean` to start over).
#
# Creates:
#   - the ETL role ($ABI_WAREHOUSE_ETL_USER, LOGIN, password $ABI_WAREHOUSE_ETL_PASSWORD):
#     owns the database and its schemas, runs the migrations and the loads;
#   - the BI role ($ABI_WAREHOUSE_BI_USER, LOGIN, password $ABI_WAREHOUSE_BI_PASSWORD):
#     read-only;
#   - the database $ABI_WAREHOUSE_DB owned by the ETL role, and its three schemas
#     (warehouse, analytics, staging) owned by the ETL role, so that the default
#     privileges below can name them. The migrations use CREATE SCHEMA IF NOT EXISTS.
#
# Table-level grants come from the application's migrations (`abi-etl register` calls
# etl.warehouse.migrate.upgrade(url, bi_role=...), which runs
# etl.warehouse.grants.grant_bi_read_only). The default privileges set here make sure
# that any table or view the ETL role creates later in warehouse/analytics is readable
# by the BI role even before the next grant run. staging stays private to the ETL role.
set -euo pipefail

: "${ABI_WAREHOUSE_DB:?}" "${ABI_WAREHOUSE_ETL_USER:?}" "${ABI_WAREHOUSE_ETL_PASSWORD:?}"
: "${ABI_WAREHOUSE_BI_USER:?}" "${ABI_WAREHOUSE_BI_PASSWORD:?}"

# Values travel as psql variables (:'x' quotes a literal, :"x" an identifier): no
# password or name is ever spliced into SQL text by the shell.
psql_admin() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" "$@"
}

psql_admin --dbname "$POSTGRES_DB" \
    -v db="$ABI_WAREHOUSE_DB" \
    -v etl="$ABI_WAREHOUSE_ETL_USER" -v etl_password="$ABI_WAREHOUSE_ETL_PASSWORD" \
    -v bi="$ABI_WAREHOUSE_BI_USER" -v bi_password="$ABI_WAREHOUSE_BI_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'etl', :'etl_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'etl') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L',
              :'bi', :'bi_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'bi') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', :'db', :'etl', 'UTF8')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
-- Nobody but the two roles connects; nobody gets temporary tables by default (the BI
-- role must not write anything, not even temp tables).
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"etl";
GRANT CONNECT ON DATABASE :"db" TO :"bi";
SQL

psql_admin --dbname "$ABI_WAREHOUSE_DB" \
    -v etl="$ABI_WAREHOUSE_ETL_USER" -v bi="$ABI_WAREHOUSE_BI_USER" <<'SQL'
-- PostgreSQL 15 already denies CREATE on public to PUBLIC; made explicit here.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS warehouse AUTHORIZATION :"etl";
CREATE SCHEMA IF NOT EXISTS analytics AUTHORIZATION :"etl";
CREATE SCHEMA IF NOT EXISTS staging AUTHORIZATION :"etl";
REVOKE ALL ON SCHEMA staging FROM PUBLIC;
GRANT USAGE ON SCHEMA warehouse, analytics TO :"bi";
-- Future tables and views created by the ETL role: readable, never writable, by BI.
ALTER DEFAULT PRIVILEGES FOR ROLE :"etl" IN SCHEMA warehouse, analytics
    GRANT SELECT ON TABLES TO :"bi";
SQL

echo "abi-warehouse init: database ${ABI_WAREHOUSE_DB}, ETL role ${ABI_WAREHOUSE_ETL_USER}, BI role ${ABI_WAREHOUSE_BI_USER} (read-only)"
