"""History without Qt: tag values, alarm events and write attempts in one SQLite file.

``Store`` writes the file on a thread of its own in batched transactions and answers
queries there; ``SampleFilter`` decides which reads of a variable become rows; ``journal()``
is where the QML types report what to log. The schema is a contract (docs/HISTORY.md).
"""

from .database import StoreError
from .export import ExportError, export_csv, parse_time
from .journal import Journal, journal
from .policy import LogPolicy, Mode, SampleFilter
from .query import AlarmRecord, Point, WriteRecord, downsample
from .schema import EVENTS, OUTCOMES, SCHEMA_VERSION, to_column
from .store import CommitInfo, Store

__all__ = [
    "EVENTS",
    "OUTCOMES",
    "SCHEMA_VERSION",
    "AlarmRecord",
    "CommitInfo",
    "ExportError",
    "Journal",
    "LogPolicy",
    "Mode",
    "Point",
    "SampleFilter",
    "Store",
    "StoreError",
    "WriteRecord",
    "downsample",
    "export_csv",
    "journal",
    "parse_time",
    "to_column",
]
