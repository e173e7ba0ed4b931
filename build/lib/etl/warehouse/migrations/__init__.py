"""Alembic migration environment of the warehouse (see etl.warehouse.migrate)."""
