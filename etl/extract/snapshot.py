"""One version of a source file: a private copy the run reads, hashes and parses.

A reader opens its file more than once (a CSV: the header, the last byte, the quotes,
then the rows), and the run records the file's sha256. If the team's export replaced
the file meanwhile, in place or by rename, the rows loaded and the checksum recorded
could belong to different versions, or the rows to two at once. So the extract stage
first copies the file into the run's staging folder and reads only that copy: the
checksum and the rows are those of the same bytes, whatever happens to the original.

The copy itself must be of one version: the file's size, mtime and ctime (of the open
file, so a rename onto the path does not count: the copy keeps reading the version it
opened) are compared before and after copying; a file written to during the copy is
copied again, and one that never holds still fails the run with a SourceFileError that
says so. A writer that pauses mid-file for longer than a whole copy is not detectable
this way; the recorded checksum still matches the rows loaded.

Cost: the copy runs in the kernel (sendfile), and the hash then reads the copy from the
page cache in parallel with the parse, as it read the original before. Measured on the
2-core CI machine (best of 3), a 1 GiB file, /tmp to /tmp (the staging volume is on the
same disk):
    snapshot_file ..................... 2.02 s  (the added cost, per GiB of input)
    file_sha256 alone ................. 2.21 s  (hidden behind the parse, before and now)
against an extract stage of 10.7 s at 1,000,000 publications (docs/warehouse.md).
Command (file from `head -c 1G /dev/urandom > /tmp/big.csv`):
    python -m timeit -n 1 -r 3 -s "from pathlib import Path; from etl.extract.snapshot
    import snapshot_file" "snapshot_file(Path('/tmp/big.csv'), Path('/tmp/run'))"
The copy is deleted as soon as it is parsed: the staging volume holds it only meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from pathlib import Path

from etl.errors import SourceFileError

logger = logging.getLogger(__name__)

COPY_ATTEMPTS = 5
RETRY_PAUSE_S = 1.0
_SENDFILE_BYTES = 64 * 2**20


def file_sha256(path: Path) -> str:
    # file_digest reads into one reused buffer: 0.57 s of CPU for the 780 MB articles
    # file of 1,000,000 articles against 0.60 s for 8 MiB read() chunks (best of 3).
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _version(stat: os.stat_result) -> tuple[int, int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _copy(source: int, target: int) -> None:
    """All of `source` into `target`, in the kernel where it can (sendfile)."""
    sent = 0
    try:
        while count := os.sendfile(target, source, sent, _SENDFILE_BYTES):
            sent += count
    except OSError:
        # Platforms whose sendfile only writes to sockets (macOS): copy in user space.
        if sent:
            raise
        with os.fdopen(os.dup(source), "rb") as reader, os.fdopen(os.dup(target), "wb") as writer:
            shutil.copyfileobj(reader, writer, _SENDFILE_BYTES)


def snapshot_file(path: Path, target_dir: Path) -> Path:
    """Copy `path` into `target_dir` (same file name) as one unchanging version of it."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    for attempt in range(1, COPY_ATTEMPTS + 1):
        try:
            with path.open("rb") as source, target.open("wb") as copy:
                before = _version(os.fstat(source.fileno()))
                _copy(source.fileno(), copy.fileno())
                after = _version(os.fstat(source.fileno()))
                copied = os.fstat(copy.fileno()).st_size
        except FileNotFoundError as exc:
            raise SourceFileError(path, "missing file") from exc
        except OSError as exc:
            raise SourceFileError(path, f"unreadable file: {exc}") from exc
        if before == after and copied == after[1]:
            logger.debug("file=%s snapshot=%s bytes=%d attempt=%d", path, target, copied, attempt)
            return target
        logger.warning(
            "file=%s problem=changed while it was copied attempt=%d of=%d",
            path,
            attempt,
            COPY_ATTEMPTS,
        )
        time.sleep(RETRY_PAUSE_S)
    target.unlink(missing_ok=True)
    raise SourceFileError(
        path, f"the file kept changing while it was read ({COPY_ATTEMPTS} attempts)"
    )
