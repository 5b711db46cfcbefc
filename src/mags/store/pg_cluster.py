"""`TemporaryCluster`: a throwaway PostgreSQL server for tests and benchmarks.

``initdb`` in a temporary directory, a Unix socket in that directory and no TCP port, trust
authentication for one role; stopped and deleted on exit. Nothing assumes a server that is
already running. PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` user that Debian's package creates.

Example
-------
>>> with TemporaryCluster() as cluster:  # doctest: +SKIP
...     Memory.open(cluster.url("alice"))
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

ROLE = "mags"


class ClusterError(RuntimeError):
    """PostgreSQL is missing or would not start (the message says how to fix it)."""


def postgres_bin(tool: str = "initdb") -> Path | None:
    """Where a PostgreSQL server tool is: on PATH, else Debian's newest
    ``/usr/lib/postgresql/N/bin``."""
    found = shutil.which(tool)
    if found:
        return Path(found)
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(versions[-1]) if versions else None


class TemporaryCluster:
    """A PostgreSQL server of its own, for as long as the ``with`` block lasts."""

    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.settings = {"listen_addresses": "''", "max_connections": "200", **(settings or {})}
        self.folder: Path | None = None
        self._user: str | None = None

    @property
    def socket_dir(self) -> Path:
        """The folder holding the server's Unix socket."""
        assert self.folder is not None, "the cluster is not started"
        return self.folder

    def url(self, memory: str | None = None) -> str:
        """A ``postgresql://`` URL of this server's ``postgres`` database; with ``memory``,
        the URL `Memory.open` reads as that memory."""
        url = f"postgresql://{ROLE}@/postgres?host={quote(str(self.socket_dir))}"
        return url if memory is None else f"{url}&memory={quote(memory)}"

    def _run(self, *argv: str) -> None:
        command = list(argv)
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ClusterError(f"{' '.join(argv[:2])} failed: {done.stderr.strip()[-800:]}")

    def start(self) -> TemporaryCluster:
        """initdb and start the server (a few seconds)."""
        initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise ClusterError(
                "PostgreSQL's server programs are missing; install them with "
                "`apt-get install postgresql` (make test does this)"
            )
        self.folder = Path(tempfile.mkdtemp(prefix="mags-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError(
                    "PostgreSQL does not run as root and there is no 'postgres' user; "
                    "install Debian's postgresql package, which creates it"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._user = "postgres"
        data = self.folder / "data"
        self._run(str(initdb), "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8")
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        self._run(
            str(pg_ctl), "-D", str(data), "-l", str(self.folder / "server.log"), "-w",
            "-o", f"-k {self.folder} {options}", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self.folder is None:
            return
        pg_ctl = postgres_bin("pg_ctl")
        if pg_ctl is not None and (self.folder / "data" / "postmaster.pid").exists():
            self._run(str(pg_ctl), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> TemporaryCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
