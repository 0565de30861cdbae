"""A real, throwaway PostgreSQL server for the tests (chapter 08 onwards).

The same pattern as :mod:`testkit.services`: Debian's ``initdb`` makes a
cluster in a temporary folder, ``postgres`` serves it on a free loopback port
(its Unix socket in that folder too, never in /var/run), ready once a
connection succeeds, stopped at the end and the folder removed. Nothing
durable: ``fsync=off``, a crash loses the lot, which a test server may.

PostgreSQL refuses to run as root. Run as root (CI, containers), the suite
runs ``initdb`` and ``postgres`` as the ``postgres`` user the Debian package
creates (else ``nobody``), in a folder it owns outside pytest's temporary
tree (``/tmp/pytest-of-root`` is root's alone).
"""

import os
import pwd
import shutil
import signal
import tempfile
import uuid
from glob import glob
from pathlib import Path

from .ports import LOCALHOST, free_port
from .servers import ServerProcess, _signal_group, _wait_for_group
from .services import SEARCH_PATH, missing

INSTALL = "sudo apt-get install postgresql"
SUPERUSER = "postgres"  # the cluster's superuser (initdb -U), not the OS user


def find_postgres_binary(name: str) -> str:
    """``initdb`` or ``postgres``: Debian keeps them off PATH, per version."""
    versions = sorted(
        glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name),
        reverse=True,
    )
    path = shutil.which(name, path=os.pathsep.join([SEARCH_PATH, *versions]))
    if path is None:
        missing(f"{name} not found; install it with: {INSTALL}")
    return path


def run_as() -> list[str]:
    """The command prefix that drops root, or nothing when we are not root."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        # setpriv execs the command: the server is our child, no wrapper between.
        return ["setpriv", f"--reuid={name}", f"--regid={name}", "--init-groups"]
    missing("running as root and no 'postgres' or 'nobody' user to run PostgreSQL")
    return []  # not reached: missing() skips or fails


class PostgresProcess(ServerProcess):
    """A PostgreSQL server; :meth:`create_database` gives each test its own.

    ``database_url(name)`` is the SQLAlchemy URL of a database on it.
    """

    def __init__(self, command, folder: Path, **options):
        super().__init__(command, **options)
        self.folder = folder

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string, for psycopg itself."""
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={database}"

    def database_url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL with the psycopg 3 driver."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _execute(self, statement: str) -> None:
        import psycopg

        # CREATE/DROP DATABASE cannot run inside a transaction.
        with psycopg.connect(self.dsn(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def create_database(self) -> str:
        """A new, empty database; its name."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: a connection pool the test left open does not keep it alive.
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> str:
        if self.process is not None:
            # SIGTERM is a "smart" shutdown that waits for every client to
            # leave; SIGINT (fast) disconnects them and stops at once.
            _signal_group(self.process, signal.SIGINT)
            _wait_for_group(self.process, timeout=10)
        output = super().stop()  # SIGKILL only if it is still there
        shutil.rmtree(self.folder, ignore_errors=True)
        return output


def postgres_server() -> PostgresProcess:
    """A PostgreSQL cluster in a new temporary folder, on a free port."""
    initdb = find_postgres_binary("initdb")
    postgres = find_postgres_binary("postgres")
    prefix = run_as()
    folder = Path(tempfile.mkdtemp(prefix="postgres-"))
    data = folder / "data"
    if prefix:
        owner = pwd.getpwnam(prefix[1].split("=", 1)[1])
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    # initdb runs once and exits; its output says why if it fails.
    setup = ServerProcess(
        [*prefix, initdb, "-D", data, "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
         "--locale=C", "--no-sync"],
        cwd=folder,
    )  # fmt: skip
    process = setup.launch()
    code = process.wait(timeout=120)
    output = setup.stop()
    if code != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({code}):\n{output}")
    port = free_port()
    command = [
        *prefix, postgres,
        "-D", data,
        "-k", folder,  # the Unix socket: here, not /var/run/postgresql
        "-p", str(port),
        "-h", LOCALHOST,
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
    ]  # fmt: skip
    server = PostgresProcess(command, folder=folder, port=port, cwd=folder)
    server.ready = lambda: _accepts(server)
    return server


def _accepts(server: PostgresProcess) -> bool:
    # The port opens while the server still starts up ("the database system
    # is starting up"): only a real connection says it serves.
    import psycopg

    try:
        psycopg.connect(server.dsn(), connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True
