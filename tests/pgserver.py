"""A throwaway PostgreSQL server for the test suite and the benchmarks (Debian's postgresql package).

``initdb`` and ``pg_ctl`` run as the ``postgres`` user when we are root (pg_ctl refuses root), else as
ourselves, in a temporary folder the server user can read, on 127.0.0.1 and a free port.  The cluster
is UTF-8 with a UTF-8 ctype (``C.UTF-8``): with ctype ``C`` pg_trgm sees no Chinese trigrams.  If the
server cannot start, :class:`ServerError` says why; nothing here skips a test.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path


class ServerError(RuntimeError):
    pass


def bin_dir() -> Path:
    """The newest installed server's bin folder (``/usr/lib/postgresql/<version>/bin``)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise ServerError("没有安装 PostgreSQL 服务器：请运行 make setup（scripts/setup.sh 安装 Debian 的 postgresql）")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """``with PgServer() as server: url = server.new_database()``."""

    def __init__(self, *, durable: bool = False, settings: Sequence[str] = (), keep: Path | None = None) -> None:
        """``durable=False`` turns fsync off (tests); benchmarks pass True to measure real commits.
        ``keep``: a folder whose cluster is reused (and left) between runs, instead of a temporary one."""
        self.bin = bin_dir()
        self.port = free_port()
        self.keep = keep
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        self.root = keep if keep is not None else Path(tempfile.mkdtemp(prefix="dangan-pg-"))
        self.data = self.root / "data"
        self.durable = durable
        self.settings = list(settings)
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0
        self.user = "postgres" if self._as_root else pwd.getpwuid(os.geteuid()).pw_name

    # -- running the server's programs --------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ServerError(f"{args[0]} 失败（退出码 {done.returncode}）：{' / '.join(tail)}")
        return done

    def start(self) -> PgServer:
        os.chmod(self.root, 0o755)
        if self._as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError as e:
                raise ServerError("没有 postgres 用户：Debian 的 postgresql 软件包没有装好") from e
            shutil.chown(self.root, "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                      "--locale=C.UTF-8")
        options = [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1", "-c max_connections=300"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options += [f"-c {s}" for s in self.settings]
        done = self._run("pg_ctl", "-D", str(self.data), "-o", " ".join(options), "-l", str(self.root / "log"),
                         "-w", "-t", "60", "start", check=False)
        if done.returncode != 0:
            log = (self.root / "log").read_text(errors="replace").strip().splitlines()[-3:] if (
                self.root / "log").exists() else []
            raise ServerError(f"PostgreSQL 没有启动：{' / '.join(log) or done.stderr.strip()}")
        return self

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast" if self.keep else "immediate", "-w", "stop",
                      check=False)
        if self.keep is None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases ----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, *, database: str = "postgres") -> list[tuple]:
        import psycopg

        with contextlib.closing(psycopg.connect(self.url(database), autocommit=True)) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]  # the suite's own SQL
            return cur.fetchall() if cur.description else []

    def new_database(self, name: str | None = None) -> str:
        """A new, empty UTF-8 database; its URL."""
        name = name or f"t{os.getpid()}_{next(self._names)}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                 "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        return self.url(name)


@contextlib.contextmanager
def running(**kw: object) -> Iterator[PgServer]:
    with PgServer(**kw) as server:  # type: ignore[arg-type]
        yield server
