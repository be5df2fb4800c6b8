"""The snapshot: the cache boundary between reading a storage and analysing it."""

from generator.snapshot.load import Snapshot, load_snapshot
from generator.snapshot.schema import SNAPSHOT_DIR
from generator.snapshot.write import content_hash, normalize_params, write_snapshot

__all__ = [
    "SNAPSHOT_DIR",
    "Snapshot",
    "content_hash",
    "load_snapshot",
    "normalize_params",
    "write_snapshot",
]
