"""The name a process goes by in leases, heartbeats and the outbox."""
from __future__ import annotations

import os
import socket
import uuid
import zlib

HOST = socket.gethostname()
# The pid alone repeats after a restart in a container: a random tail keeps
# a new process from being taken for the dead one that held a lease.
NODE_ID = f"{HOST}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def lock_key(name: str) -> int:
    """A stable 63-bit key for a PostgreSQL advisory lock named `name`."""
    return zlib.crc32(name.encode("utf-8")) | (0x5EC0 << 32)


def is_postgres(url_or_dialect: str) -> bool:
    return url_or_dialect.startswith("postgresql")
