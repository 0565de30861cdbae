"""The monitoring benchmark's parts; the README runs it whole, once.

No test here looks at a speed: only at what each variant serves and at the
table.
"""

import pytest

from chapter06.machinery import benchmark


# Not "tracing" nor "all": OpenTelemetry's tracer and its patch of requests
# are for the whole process, and would follow this test into the next ones.
# The README's run of the benchmark serves those, each in its own process.
@pytest.mark.parametrize("variant", ["none", "logs", "gelf", "metrics"])
def test_every_variant_serves_the_measured_request(variant, tmp_path):
    # Ports nothing listens on: GELF datagrams and spans go nowhere, and the
    # request must still succeed (monitoring never fails a request).
    app = benchmark.build(variant, str(tmp_path), 9, "http://127.0.0.1:9")

    response = app.test_client().get(benchmark.PATH)

    assert response.status_code == 200
    assert len(response.json) == benchmark.RUNS
    has_metrics = "metrics" in app.view_functions
    assert has_metrics == (variant == "metrics")
    has_request_id = "X-Request-ID" in response.headers
    assert has_request_id == (variant in ("logs", "gelf"))
    from chapter04.dataservice import db

    with app.app_context():
        db.engine.dispose()


class Measured:
    def __init__(self, name, rates):
        self.name = name
        self.rounds = [{"rate": rate, "p50": 1.0, "p99": 2.0} for rate in rates]

    median = benchmark.Variant.median


def test_the_table_gives_each_variant_s_cost_against_none():
    text = benchmark.table(
        [Measured("none", [900, 1000, 1100]), Measured("all", [850, 800, 10])]
    )

    lines = text.splitlines()
    assert lines[0].split() == [
        "variant",
        "requests/s",
        "p50",
        "ms",
        "p99",
        "ms",
        "cost",
    ]
    assert lines[1].split() == ["none", "1000", "1.00", "2.00"]
    # The median round, not the mean: one spoiled round does not count.
    assert lines[2].split() == ["all", "800", "1.00", "2.00", "20%"]


def test_percentile_of_sorted_values():
    values = [float(n) for n in range(1, 101)]
    assert benchmark.percentile(values, 0.50) == 50
    assert benchmark.percentile(values, 0.99) == 99
    assert benchmark.percentile([7.0], 0.99) == 7
