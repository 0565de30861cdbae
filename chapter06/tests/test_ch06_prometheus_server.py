"""A real Prometheus scrapes the service under gunicorn; its API answers."""

import math
from pathlib import Path

import requests

from testkit.waiting import wait_until

RULES = Path(__file__).resolve().parent.parent / "prometheus" / "alerts.yml"


def assert_our_rules_loaded_and_quiet(server) -> None:
    """Our alerting rules are loaded; the service answers: TargetDown is not
    even pending."""
    groups = server.api("rules")["groups"]
    names = {rule["name"] for group in groups for rule in group["rules"]}
    assert names == {"HighErrorRatio", "HighLatency", "TargetDown"}
    assert server.query('ALERTS{alertname="TargetDown"}') == []


def test_prometheus_scrapes_counts_and_latency_with_our_rules(
    metered_service, prometheus
):
    url = metered_service.url
    statuses = [requests.get(f"{url}/users", timeout=10).status_code for _ in range(12)]
    assert statuses == [200] * 12
    requests.get(f"{url}/users/42", timeout=10)  # a 404
    server = prometheus(
        {"dataservice": [f"127.0.0.1:{metered_service.port}"]}, rule_files=[RULES]
    )

    up = server.wait_for('up{job="dataservice"} == 1')
    assert up[0]["metric"]["instance"] == f"127.0.0.1:{metered_service.port}"
    assert_our_rules_loaded_and_quiet(server)

    # Both workers' requests, added up by /metrics, as Prometheus stored them.
    total = server.wait_for(
        'http_requests_total{job="dataservice",route="/users",status="200"}'
    )
    assert float(total[0]["value"][1]) == 12
    missing = server.query('http_requests_total{route="/users/<int:user_id>"}')
    assert [sample["metric"]["status"] for sample in missing] == ["404"]

    # rate() needs two scrapes that saw requests between them: send more.
    quantile = (
        "histogram_quantile(0.5, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{route="/users"}[1m])))'
    )

    def finite_quantile() -> list[dict]:
        requests.get(f"{url}/users", timeout=10)
        found = server.query(quantile)
        return [s for s in found if math.isfinite(float(s["value"][1]))]

    result = wait_until(finite_quantile, 60, 0.5, what="a latency quantile")
    assert 0 < float(result[0]["value"][1]) <= 10  # within the buckets
