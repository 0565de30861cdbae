"""Book: chapter 6, "Monitoring Your Services": the chapter in one command.

``python -m chapter06`` starts, each in its own process, on ports BASE+1 to
BASE+5 (``--port-base`` or ``RUNNERLY_PORT_BASE``; without either, 5001 to
5005 when they are free, else free ports):

1. the data service with this chapter's logging (:mod:`.logged_service`):
   a request id, one record per request, to the GELF receiver, traced;
2. a second one playing the dashboard in front of it (``PEER_URL``), which
   also writes its records as JSON lines (shown here, prefixed);
3. the measured data service (:mod:`.metered_service`): gunicorn, two
   workers, their figures added up on ``/metrics``;
4. the GELF receiver that plays Graylog (:mod:`.machinery.gelf_receiver`);
5. the OTLP receiver that plays a trace collector
   (:mod:`.machinery.otlp_receiver`).

Once all answer, it makes a user and follows one request (``X-Request-ID:
demo-1``) through the dashboard and the data service, then prints where to
look and what to try. Ctrl-C or SIGTERM stops every process
(:mod:`.machinery.launcher`).
"""

import sys
import time

import requests

from .machinery.launcher import (
    HOST,
    Launcher,
    Service,
    pick_ports,
    python,
    run_demo,
)

NAMES = ("data", "dashboard", "metered", "gelf", "otlp")


class MonitoringDemo(Launcher):
    port_hint = "set --port-base"
    # The services send their last spans as they exit: the collector waits.
    stop_last = ("gelf", "otlp")

    def __init__(self, base: int | None = None, **options):
        self.ports = dict(zip(NAMES, pick_ports(base, len(NAMES)), strict=True))
        super().__init__(self.services(), **options)

    def url(self, name: str) -> str:
        return f"http://{HOST}:{self.ports[name]}"

    def services(self) -> list[Service]:
        ports = self.ports
        watched = {
            "FLASK_GELF_PORT": str(ports["gelf"]),
            "FLASK_OTLP_ENDPOINT": self.url("otlp"),
        }
        return [
            Service(
                "gelf", python("chapter06.machinery.gelf_receiver"), {}, ports["gelf"],
                health="/stats",
            ),
            Service(
                "otlp", python("chapter06.machinery.otlp_receiver"), {}, ports["otlp"],
                health="/spans",
            ),
            Service(
                "data", python("chapter06.logged_service"), watched, ports["data"],
                health="/ready",
            ),
            Service(
                "dashboard",
                python("chapter06.logged_service"),
                {
                    **watched,
                    "FLASK_SERVICE_NAME": "dashboard",
                    "FLASK_PEER_URL": self.url("data"),
                    "FLASK_LOG_FORMAT": "json",
                },
                ports["dashboard"],
                health="/ready",
            ),
            Service(
                "metered", python("chapter06.metered_service"), {}, ports["metered"],
                health="/metrics",
            ),
        ]  # fmt: skip

    def start(self) -> "MonitoringDemo":
        super().start()
        self.first_request()
        return self

    def first_request(self) -> None:
        """A user, and one request followed through two services: something
        in the logs, the traces and the metrics from the start."""
        self.trace_id = None
        try:
            requests.post(
                self.url("data") + "/users",
                json={"email": "ann@runnerly.test"},
                timeout=10,
            )
            requests.get(
                self.url("dashboard") + "/dashboard/1",
                headers={"X-Request-ID": "demo-1"},
                timeout=10,
            )
            requests.get(self.url("metered") + "/users", timeout=10)
            self.trace_id = self.trace_of("demo-1")
        except (requests.RequestException, ValueError) as error:  # it goes on
            print(f"chapter06: the first request failed: {error}", flush=True)

    def trace_of(self, request_id: str, timeout: float = 5.0) -> str | None:
        """The trace id of that request's spans, once they have arrived (the
        exporter sends them in batches, every half second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for span in requests.get(self.url("otlp") + "/spans", timeout=5).json():
                if span["attributes"].get("request.id") == request_id:
                    return span["trace_id"]
            time.sleep(0.2)
        return None

    def banner(self) -> str:
        data, dashboard = self.url("data"), self.url("dashboard")
        metered, gelf, otlp = self.url("metered"), self.url("gelf"), self.url("otlp")
        trace = self.trace_id or "..."
        return "\n".join(
            [
                "",
                "Chapter 6 is up: the data service, watched.",
                f"  data service   {data}/users  (logs to GELF, traced)",
                f"  dashboard      {dashboard}/dashboard/1  (asks the data service)",
                f"  measured       {metered}/metrics  (gunicorn, 2 workers)",
                f"  GELF receiver  {gelf}/messages  (Graylog's part; UDP on that port)",
                f"  OTLP receiver  {otlp}/spans  (a trace collector's part)",
                "",
                "One request (X-Request-ID: demo-1) went through the dashboard and the",
                "data service. Its records, from both, in one search:",
                f"  curl -s '{gelf}/messages?request_id=demo-1'",
                "Its trace, across the two processes (as a tree, with jq):",
                f"  curl -s '{otlp}/spans?trace_id={trace}'",
                f"  curl -s '{otlp}/spans?trace_id={trace}' \\",
                "    | jq -r -f chapter06/machinery/span_tree.jq",
                "Try:",
                f"  curl -s -H 'X-Request-ID: follow-me' {dashboard}/dashboard/1",
                f"  curl -s '{gelf}/messages?request_id=follow-me'",
                f"  curl -s {data}/health; curl -s {data}/ready",
                f"  curl -s {metered}/users/1",
                f"  curl -s {metered}/metrics | grep ^http_requests_total",
                f"  curl -s {gelf}/stats",
                "",
                "Ctrl-C stops everything.",
                "",
            ]
        )


def main(argv: list[str] | None = None) -> int:
    return run_demo("python -m chapter06", __doc__, len(NAMES), MonitoringDemo, argv)


if __name__ == "__main__":
    sys.exit(main())
