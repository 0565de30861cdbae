"""A real, throwaway Prometheus for the tests (chapter 06), and promtool.

The same pattern as :mod:`testkit.services`: Debian's ``prometheus`` started
on a free loopback port, its configuration (generated: a 1 s scrape and
evaluation interval, the given targets and rule files) and its database in
``workdir``, ready once ``/-/ready`` answers 200, stopped at the end.
"""

import json
import subprocess
from pathlib import Path

import requests

from .ports import LOCALHOST, free_port
from .servers import ServerProcess
from .services import find_binary
from .waiting import wait_until

INSTALL = "sudo apt-get install prometheus"


class PrometheusProcess(ServerProcess):
    """A ServerProcess that answers PromQL queries over Prometheus' HTTP API."""

    def query(self, expression: str) -> list[dict]:
        """The instant vector of ``expression``: ``[{"metric": {...},
        "value": [time, "text"]}, ...]``."""
        response = requests.get(
            f"{self.url}/api/v1/query", params={"query": expression}, timeout=10
        )
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"{expression}: {body}")
        return body["data"]["result"]

    def wait_for(self, expression: str, timeout: float = 30.0) -> list[dict]:
        """Query until ``expression`` has a result (scrapes take a moment)."""
        return wait_until(lambda: self.query(expression), timeout, 0.2, expression)

    def api(self, path: str) -> dict:
        """``GET /api/v1/<path>``'s data (``"targets"``, ``"rules"``...)."""
        response = requests.get(f"{self.url}/api/v1/{path}", timeout=10)
        response.raise_for_status()
        return response.json()["data"]


def config(targets: dict[str, list[str]], rule_files=()) -> dict:
    """Prometheus' configuration: ``{job: ["host:port", ...]}`` scraped each
    second, ``rule_files`` evaluated each second."""
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(Path(path).resolve()) for path in rule_files],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": list(addresses)}]}
            for job, addresses in targets.items()
        ],
    }


def prometheus_server(
    workdir: Path, targets: dict[str, list[str]], rule_files=()
) -> PrometheusProcess:
    """Prometheus on a free port, scraping ``targets``, its data in ``workdir``."""
    binary = find_binary("prometheus", INSTALL)
    workdir = Path(workdir)
    port = free_port()
    # JSON is YAML: no YAML writer needed.
    config_file = workdir / "prometheus.yml"
    config_file.write_text(json.dumps(config(targets, rule_files), indent=2))
    command = [
        binary,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address={LOCALHOST}:{port}",
        "--log.level=warn",
    ]
    return PrometheusProcess(
        command, port=port, cwd=workdir, ready=lambda: _ready(port)
    )


def _ready(port: int) -> bool:
    # The port opens before the database is loaded; /-/ready says it serves.
    try:
        response = requests.get(f"http://{LOCALHOST}:{port}/-/ready", timeout=2)
    except requests.ConnectionError:
        return False
    return response.status_code == 200


def promtool(*arguments: str, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``promtool ARGUMENTS`` (``input`` on its stdin); never raises on
    its exit status: the caller checks ``returncode`` and the output."""
    binary = find_binary("promtool", INSTALL)
    return subprocess.run(
        [binary, *arguments],
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
