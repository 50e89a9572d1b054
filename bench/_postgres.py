"""A throw-away PostgreSQL server on loopback, for benchmarks when no URL is given.

initdb refuses to run as root, so when we are root the server runs as the ``postgres`` system user.
Everything lives in one temporary folder that is removed on exit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a fresh cluster (trust auth, 127.0.0.1 only) and yield its SQLAlchemy URL."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        raise RuntimeError("initdb/pg_ctl not found: apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="motcua-pg-"))
    folder.chmod(0o777)
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(_as_owner(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                              "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=on -c synchronous_commit=on"
    subprocess.run(_as_owner(["pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w",
                              "-o", options, "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
