"""abi-etl: the ABI team's source files into a PostgreSQL star-schema warehouse."""

__version__ = "0.1.0"
