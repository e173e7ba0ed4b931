"""The one map from the warehouse's SQL column types to Arrow types.

The transform writes its Parquet files with it and the staging write casts every batch
to it, so a value's type is decided once, by the schema in `etl.warehouse.schema`.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.sql import sqltypes

# Order matters: BigInteger and SmallInteger are subclasses of Integer.
_ARROW_TYPES: tuple[tuple[type[sqltypes.TypeEngine], pa.DataType], ...] = (
    (sqltypes.SmallInteger, pa.int16()),
    (sqltypes.BigInteger, pa.int64()),
    (sqltypes.Integer, pa.int32()),
    (sqltypes.Float, pa.float64()),
    (sqltypes.Boolean, pa.bool_()),
    (sqltypes.Date, pa.date32()),
    (sqltypes.DateTime, pa.timestamp("us", tz="UTC")),
    (sqltypes.Text, pa.string()),
    (sqltypes.String, pa.string()),
)


def arrow_type(sql_type: sqltypes.TypeEngine) -> pa.DataType:
    """The Arrow type that round-trips `sql_type` exactly through Parquet and COPY."""
    for sql_class, arrow in _ARROW_TYPES:
        if isinstance(sql_type, sql_class):
            return arrow
    raise TypeError(f"no Arrow mapping for column type {sql_type!r}")
