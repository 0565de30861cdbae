"""A real, throwaway RabbitMQ broker for the tests (chapter 05 onwards).

The same pattern as :mod:`testkit.services`: the Debian ``rabbitmq-server``
started on a free loopback port, with every file it writes (Mnesia database,
logs, config, Erlang cookie) in ``workdir``, ready once a pika connection
succeeds, stopped at the end.

Erlang nodes register with a port mapper daemon, ``epmd``, which the first
node on a machine starts and which then outlives it (it daemonises, so it is
not in the server's process group). Sharing the system's epmd on 4369 would
mean either leaving a stray epmd behind or killing one that someone else
uses. So each broker here gets its own epmd on a free port
(``ERL_EPMD_PORT``), which :meth:`RabbitMQProcess.stop` kills afterwards with
``epmd -kill`` on that port: only what the suite started is ended.
"""

import os
import shutil
import subprocess
from pathlib import Path

from .ports import LOCALHOST, free_port
from .servers import ServerProcess
from .services import SEARCH_PATH, find_binary

# Debian's /usr/sbin/rabbitmq-server is a wrapper that, run as root, switches
# to the rabbitmq user and the system's /var/lib/rabbitmq. The script behind
# it runs the broker as whoever calls it, which is what a test wants.
DEBIAN_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")

CONFIG = """\
# Only the loopback AMQP listener; no TLS, no clustering.
listeners.tcp.1 = {host}:{port}
# guest/guest, which RabbitMQ only accepts from localhost anyway.
default_user = guest
default_pass = guest
# Small temporary filesystems must not raise the disk alarm, which would
# block every publisher.
disk_free_limit.absolute = 1MB
log.console = true
log.console.level = warning
log.file.level = info
"""


class RabbitMQProcess(ServerProcess):
    """A ServerProcess that also ends the private epmd it started."""

    def __init__(self, command, epmd_port: int, **options):
        super().__init__(command, **options)
        self.epmd_port = epmd_port

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{self.host}:{self.port}/%2F"

    def ctl(self, *arguments: str) -> str:
        """Run ``rabbitmqctl`` on this node (``ctl("stop_app")``); its output."""
        ctl = DEBIAN_SCRIPT.with_name("rabbitmqctl")
        if not ctl.exists():
            ctl = find_binary("rabbitmqctl", "sudo apt-get install rabbitmq-server")
        # The node's own environment: its name, Erlang cookie and epmd port.
        result = subprocess.run(
            [str(ctl), "-n", self.env["RABBITMQ_NODENAME"], *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    def stop(self) -> str:
        output = super().stop()
        epmd = shutil.which("epmd", path=SEARCH_PATH)
        if epmd is not None:
            # Our epmd, on our port: after the node is gone it has no names
            # left, and -kill ends it.
            subprocess.run(
                [epmd, "-kill"],
                env={**os.environ, "ERL_EPMD_PORT": str(self.epmd_port)},
                capture_output=True,
                timeout=10,
                check=False,
            )
        return output


def rabbitmq_server(workdir: Path, port: int | None = None) -> RabbitMQProcess:
    """A RabbitMQ broker on a free port, every file of it in ``workdir``.

    The node name follows the AMQP port, and the database lives under the
    node name: to restart a broker with its durable queues and persistent
    messages, call this again with the same ``workdir`` and ``port``.
    """
    binary = find_binary("rabbitmq-server", "sudo apt-get install rabbitmq-server")
    if DEBIAN_SCRIPT.exists():
        binary = str(DEBIAN_SCRIPT)
    workdir = Path(workdir)
    port = port or free_port()
    dist_port, epmd_port = free_port(), free_port()
    config = workdir / "rabbitmq.conf"
    config.write_text(CONFIG.format(host=LOCALHOST, port=port))
    plugins = workdir / "enabled_plugins"
    plugins.write_text("[].\n")  # no management plugin: nothing else listens
    env = {
        # The Erlang cookie is written to $HOME/.erlang.cookie.
        "HOME": str(workdir),
        "ERL_EPMD_PORT": str(epmd_port),
        "RABBITMQ_NODENAME": f"rabbit-{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": LOCALHOST,
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_CONFIG_FILE": str(config),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(workdir / "advanced.config"),
        "RABBITMQ_CONF_ENV_FILE": str(workdir / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
        "RABBITMQ_PLUGINS_EXPAND_DIR": str(workdir / "plugins-expand"),
        "RABBITMQ_MNESIA_BASE": str(workdir / "mnesia"),
        "RABBITMQ_LOG_BASE": str(workdir / "log"),
        "RABBITMQ_PID_FILE": str(workdir / "rabbitmq.pid"),
    }
    return RabbitMQProcess(
        [binary],
        epmd_port=epmd_port,
        port=port,
        env=env,
        cwd=workdir,
        timeout=90.0,
        ready=lambda: _amqp_connects(port),
    )


def _amqp_connects(port: int) -> bool:
    # The port opens before the broker has loaded its vhosts: only a full
    # AMQP handshake says it serves.
    import pika

    parameters = pika.ConnectionParameters(
        host=LOCALHOST, port=port, connection_attempts=1, socket_timeout=2
    )
    try:
        pika.BlockingConnection(parameters).close()
    except pika.exceptions.AMQPError:
        return False
    return True
